"""Imported once by the PDF forkserver, before it forks any render: WeasyPrint loaded and its
fonts and layout engine warmed, so every child forked from it starts ready (milliseconds, not
the second a cold Pango and fontconfig take). Nothing else imports this module."""

from weasyprint import HTML

HTML(string="<p>warm</p>").write_pdf()
