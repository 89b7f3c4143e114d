def run() -> None:
    """The `ankigen` command. A Ctrl-C while Python is still loading the CLI (click, then the
    stages) ends it quietly, as one later does, not with a traceback."""
    from ankigen.run.heap import pause

    pause()
    try:
        from ankigen.cli import main
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":  # PDF worker processes import this module again; they must not run the CLI
    run()
