"""clipper: a local archive and search engine for news clippings.

The library API lives in :mod:`clipper.archive`; the command line in
:mod:`clipper.cli` is a thin layer over it. Heavy modules (Whoosh, language
identification, date parsing) are imported lazily so that ``clipper --help``
stays fast.
"""

from clipper import _whooshcompat

__version__ = "0.1.0"

# Whoosh, when it loads, without the modules of its that clipper never calls.
_whooshcompat.install()
