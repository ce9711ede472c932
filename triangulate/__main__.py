from triangulate.cli import main

raise SystemExit(main())
