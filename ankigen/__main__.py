from ankigen.cli import main

if __name__ == "__main__":  # PDF worker processes import this module again; they must not run the CLI
    main()
