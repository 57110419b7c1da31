"""The report layer: from the study tables to report.html, report.docx and report.pdf."""
