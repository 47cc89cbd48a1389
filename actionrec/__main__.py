from actionrec.cli import main

raise SystemExit(main())
