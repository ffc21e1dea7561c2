"""PyInstaller runtime hook: runs before latentview's own code in the frozen app.

The bundle folder may be read-only (and must stay pristine), so nothing may write inside it:
- numba's on-disk cache goes to the user cache (same place `projectors.prepare_numba()` uses);
  set here, before anything can import numba, because numba reads the variable once at import.
- umap/pynndescent are shipped as .py files (numba's cache needs real source files), so stop
  Python from writing `__pycache__` folders beside them.
"""

import os
import sys

sys.dont_write_bytecode = True
if "NUMBA_CACHE_DIR" not in os.environ:
    from latentview.backends.paths import numba_cache_dir

    os.environ["NUMBA_CACHE_DIR"] = str(numba_cache_dir())
