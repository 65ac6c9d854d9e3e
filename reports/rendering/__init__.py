"""PDF rendering of the monthly reports: the static-only URL fetcher, WeasyPrint, and merging parts."""
