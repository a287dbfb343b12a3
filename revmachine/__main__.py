from revmachine.cli import main

raise SystemExit(main())
