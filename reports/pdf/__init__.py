"""reportlab renderers: data -> PDF bytes. Italian text in the reader's language, the Bitstream Vera fonts that
reportlab ships registered as TrueType (so they are embedded in the file: the standard 14 fonts are not), a header
and a footer with "page X of Y" on every page. The common layout is in `layout`, the network report in `network`,
the case summary in `case`."""

from reports.pdf.case import case_summary, reader_organisation_id
from reports.pdf.network import network_report

__all__ = ["case_summary", "network_report", "reader_organisation_id"]
