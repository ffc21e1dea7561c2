from latentview.app import main

raise SystemExit(main())
