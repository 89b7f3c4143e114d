// What a learner sees of the card now in #qa, as plain facts for the Python assertions.
() => {
  const qa = document.getElementById("qa");
  const clip = (s, n) => Array.from(s).slice(0, n).join("");
  const viewport = document.documentElement.clientWidth;
  const describe = (el) => {
    const cls = el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "";
    return el.tagName.toLowerCase() + cls + " «" + clip((el.textContent || "").trim(), 40) + "»";
  };
  const visible = (el) => {
    const s = getComputedStyle(el);
    return s.display !== "none" && s.visibility !== "hidden" && el.getClientRects().length > 0;
  };
  const parseColor = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const ground = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parseColor(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return parseColor(getComputedStyle(document.documentElement).backgroundColor) || { r: 255, g: 255, b: 255, a: 1 };
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const contrast = (el) => {
    const a = luminance(parseColor(getComputedStyle(el).color)), b = luminance(ground(el));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const lines = (range) => {
    const tops = [];
    for (const r of range.getClientRects()) {
      if (r.width < 0.5) continue;
      if (!tops.some((t) => Math.abs(t - r.top) < r.height / 2)) tops.push(r.top);
    }
    return tops.length;
  };
  const textNodes = (root) => {
    const out = [];
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.parentElement.closest("mjx-container, pre, style, script")) continue;
      if (!visible(n.parentElement)) continue;
      out.push(n);
    }
    return out;
  };

  // Content cut off: a box narrower than what it holds, unless it scrolls and shows that it does.
  const hidden = [];
  const scrolling = [];  // boxes that scroll sideways, with a cue: what a swipe is needed for
  for (const el of qa.querySelectorAll("*")) {
    // MathJax clips its stretchy pieces (mjx-ext) on purpose; only the formula's own box counts.
    if (!visible(el) || el.closest("mjx-assistive-mml") || (el.tagName.startsWith("MJX-") && el.tagName !== "MJX-CONTAINER")) continue;
    const s = getComputedStyle(el);
    if (s.overflowX === "visible" || el.scrollWidth <= el.clientWidth + 1) continue;
    const scrolls = s.overflowX === "auto" || s.overflowX === "scroll";
    const cue = /gradient/.test(s.backgroundImage) || el.hasAttribute("data-scroll-cue");
    if (!scrolls || !cue) hidden.push(describe(el) + ` holds ${el.scrollWidth} px in ${el.clientWidth} px` + (scrolls ? " with no cue" : ", cut off"));
    else scrolling.push({ what: describe(el), math: !!el.querySelector("mjx-container"), more: el.scrollWidth - el.clientWidth });
  }

  // Words broken inside: a Latin word spread over two lines although it fits on one.
  const broken = [];
  const stacked = [];
  for (const node of textNodes(qa)) {
    const box = node.parentElement.getBoundingClientRect().width;
    for (const m of node.data.matchAll(/[A-Za-z][A-Za-z0-9']*[A-Za-z0-9]/g)) {
      const r = document.createRange();
      r.setStart(node, m.index);
      r.setEnd(node, m.index + m[0].length);
      const w = Array.from(r.getClientRects()).reduce((s, x) => s + x.width, 0);
      if (w < box - 2 && lines(r) > 1) broken.push(m[0]);
    }
    if (node.parentElement.closest("th, td")) {
      for (const m of node.data.matchAll(/[\u4e00-\u9fff]{2,}/g)) {
        const r = document.createRange();
        r.setStart(node, m.index);
        r.setEnd(node, m.index + m[0].length);
        if (lines(r) >= m[0].length) stacked.push(m[0]);
      }
    }
  }

  // A table column squeezed to a character or two: long text standing as a narrow tower.
  for (const cell of qa.querySelectorAll("th, td")) {
    if (!visible(cell)) continue;
    const em = parseFloat(getComputedStyle(cell).fontSize);
    const chars = (cell.textContent.match(/[\u4e00-\u9fff]/g) || []).length;
    if (chars >= 6 && cell.clientWidth < 3.5 * em) stacked.push(`${clip(cell.textContent.trim(), 12)} in a ${cell.clientWidth} px column`);
  }

  // Multiple-choice options: markers A, B, C… in order, each of which must start a line.
  const options = [];
  let expect = "A";
  for (const node of textNodes(qa)) {
    for (const m of node.data.matchAll(/(?<![A-Za-z0-9])([A-H])[.、．)）]/g)) {
      if (m[1] !== expect) continue;
      const r = document.createRange();
      r.setStart(node, m.index);
      r.setEnd(node, m.index + 1);
      const rect = r.getClientRects()[0];
      if (!rect) continue;
      const block = node.parentElement.closest("p, li, div") || qa;
      const bs = getComputedStyle(block);  // an option block hangs its first line (text-indent)
      const left = block.getBoundingClientRect().left + parseFloat(bs.paddingLeft) + (parseFloat(bs.textIndent) || 0);
      // Marked as the answer: a tinted band behind the option (card.css), seen as a learner sees it.
      const band = node.parentElement.closest(".option");
      const tint = band ? parseColor(getComputedStyle(band).backgroundColor) : null;
      options.push({ marker: m[0], starts_line: Math.abs(rect.left - left) < 3, marked: !!(tint && tint.a > 0.05) });
      expect = String.fromCharCode(expect.charCodeAt(0) + 1);
    }
  }

  // Closing punctuation right after a formula, on a line of its own.
  const orphans = [];
  for (const mjx of qa.querySelectorAll("mjx-container:not([display='true'])")) {
    const next = mjx.nextSibling;
    if (!next || next.nodeType !== Node.TEXT_NODE || !/^[，。；：、！？）」』,.;:!?)]/.test(next.data)) continue;
    const r = document.createRange();
    r.setStart(next, 0);
    r.setEnd(next, 1);
    const p = r.getClientRects()[0];
    const rects = mjx.getClientRects();
    const m = rects[rects.length - 1];
    if (p && m && (p.top + p.bottom) / 2 > m.bottom) orphans.push(next.data[0] + " after «" + clip(mjx.textContent, 20) + "»");
  }

  // A heading or question whose last line holds a single character (and its punctuation); a
  // formula counts as a word of that line.
  const lone = [];
  for (const el of qa.querySelectorAll(".question, .ankigen h1, .ankigen h2, .ankigen h3, .ankigen h4, .ankigen h5, .ankigen h6")) {
    if (!visible(el)) continue;
    const items = [];  // the middle height of each character and formula, and which it is
    for (const node of textNodes(el)) {
      for (let i = 0; i < node.data.length; i++) {
        if (/[\s，。；：、！？）」』,.;:!?)]/.test(node.data[i])) continue;
        const r = document.createRange();
        r.setStart(node, i);
        r.setEnd(node, i + 1);
        const rect = r.getClientRects()[0];
        if (rect) items.push({ y: (rect.top + rect.bottom) / 2, char: true });
      }
    }
    for (const mjx of el.querySelectorAll("mjx-container")) {
      const rects = mjx.getClientRects();
      if (rects.length) items.push({ y: (rects[rects.length - 1].top + rects[rects.length - 1].bottom) / 2, char: false });
    }
    if (items.length < 6) continue;
    const last = Math.max(...items.map((it) => it.y));
    const onLast = items.filter((it) => Math.abs(it.y - last) < 6);
    if (onLast.length === 1 && onLast[0].char && items.some((it) => last - it.y > 6)) lone.push(clip(el.textContent.trim(), 40));
  }
  const prompt = qa.querySelector(".ankigen.prompt");
  // Scrolled to its far end, a table still shows its first column (what each row is about).
  let sticky_first_column = true;
  for (const table of qa.querySelectorAll("table")) {
    if (!visible(table) || table.scrollWidth <= table.clientWidth + 1) continue;
    table.scrollLeft = table.scrollWidth;
    const cell = table.querySelector("tbody td, td");
    const t = table.getBoundingClientRect();
    const c = cell ? cell.getBoundingClientRect() : null;
    if (!c || c.left < t.left - 1 || c.right > t.right + 1) sticky_first_column = false;
    table.scrollLeft = 0;
  }

  const footer = [];
  for (const el of qa.querySelectorAll(".meta span, .meta")) {
    if (visible(el) && el.textContent.trim()) footer.push({ text: el.textContent.trim(), contrast: contrast(el), left: el.getBoundingClientRect().left });
  }
  const body = qa.querySelector(".ankigen.back, .ankigen.front");
  const raw = [];
  for (const node of textNodes(qa)) {
    if (node.parentElement.closest("code")) continue;
    const m = node.data.match(/\\\(|\\\[|\\[a-zA-Z]+\{|\$\$/);
    if (m) raw.push(clip(node.data.slice(Math.max(0, m.index - 10)), 30));
  }
  let dividers = 0;
  for (const hr of qa.querySelectorAll("hr")) {
    if (!visible(hr)) continue;
    const s = getComputedStyle(hr);
    const fill = parseColor(s.backgroundColor);
    if (fill && fill.a > 0 && hr.getBoundingClientRect().height - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth) > 0.4) dividers++;
    for (const side of ["Top", "Bottom", "Left", "Right"]) {
      if (parseFloat(s["border" + side + "Width"]) > 0 && s["border" + side + "Style"] !== "none" && s["border" + side + "Style"] !== "hidden") dividers++;
    }
  }
  const minCode = Array.from(qa.querySelectorAll("pre, pre code, pre .ln")).filter(visible).map((el) => parseFloat(getComputedStyle(el).fontSize));
  // A wrapped line of code: where its continuation starts against where its own text starts.
  const codeWraps = [];
  for (const ln of qa.querySelectorAll("pre .ln")) {
    if (!visible(ln)) continue;
    const all = document.createRange();
    all.selectNodeContents(ln);
    const rects = Array.from(all.getClientRects()).filter((r) => r.width > 0.5);
    if (!rects.length) continue;
    const top = Math.min(...rects.map((r) => r.top));
    const later = rects.filter((r) => r.top > top + 2);
    if (!later.length) continue;
    const walk = document.createTreeWalker(ln, NodeFilter.SHOW_TEXT);
    let first = null;
    for (let n = walk.nextNode(); n && !first; n = walk.nextNode()) {
      const k = n.data.search(/\S/);
      if (k >= 0) { const r = document.createRange(); r.setStart(n, k); r.setEnd(n, k + 1); first = r.getClientRects()[0]; }
    }
    if (!first) continue;
    codeWraps.push({ text: clip(ln.textContent.trim(), 30), own: first.left, continued: Math.min(...later.map((r) => r.left)),
                     ch: parseFloat(getComputedStyle(ln).fontSize) * 0.5 });
  }
  // Deletions: Anki's own spans in text, and ours (class ag-cN) inside formulas.
  const ordinal = (document.body.className.match(/\bcard(\d+)\b/) || [])[1];
  const clozes = Array.from(qa.querySelectorAll(".cloze:not(.ankigen), [class*='ag-c']")).filter(visible).map((el) => {
    const n = ((el.getAttribute("class") || "").match(/\bag-c(\d+)\b/) || [])[1];
    return { text: clip(el.textContent.trim(), 30), color: getComputedStyle(el).color, in_math: !!n,
             active: n ? n === ordinal : true };
  });
  const text_color = getComputedStyle(qa.querySelector(".ankigen") || qa).color;
  return {
    viewport, document_width: document.documentElement.scrollWidth, hidden, scrolling,
    // A formula written twice (as written, and in rows for a phone): each screen shows one of them.
    twins_shown: Array.from(qa.querySelectorAll(".ag-wide")).filter((el) => visible(el) && el.nextElementSibling
      && el.nextElementSibling.classList.contains("ag-narrow") && visible(el.nextElementSibling)).length,
    display_math: Array.from(qa.querySelectorAll("mjx-container[display='true']")).filter(visible).length, broken, stacked, options, orphans,
    footer, body_left: body ? body.getBoundingClientRect().left : null, raw_tex: raw, lone,
    prompt_left: prompt && visible(prompt) ? prompt.getBoundingClientRect().left : null, sticky_first_column,
    math_errors: qa.querySelectorAll("mjx-merror, [data-mjx-error]").length,
    dividers, code_px: minCode, code_wraps: codeWraps,
    headings: Array.from(qa.querySelectorAll(".ankigen h1, .ankigen h2, .ankigen h3, .ankigen h4, .ankigen h5, .ankigen h6"))
      .filter(visible).map((h) => ({ tag: h.tagName.toLowerCase(), px: parseFloat(getComputedStyle(h).fontSize) })),
    short_px: Array.from(qa.querySelectorAll(".short-answer")).filter(visible).map((el) => parseFloat(getComputedStyle(el).fontSize)),
    text_px: (() => { const p = qa.querySelector(".ankigen.back p"); return p ? parseFloat(getComputedStyle(p).fontSize) : null; })(), clozes, text_color,
    images: Array.from(qa.querySelectorAll("img")).map((img) => ({ src: img.getAttribute("src"), loaded: img.complete && img.naturalWidth > 0, right: img.getBoundingClientRect().right })), text: clip(qa.innerText, 200),
  };
}
