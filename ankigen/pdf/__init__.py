"""The printable PDF: card Markdown and LaTeX to Typst (markup, texmath, drawing), the layout of
the study sheet and cut-out cards (layout, measure, fonts), typeset in chunks by workers (chunks, worker)."""
