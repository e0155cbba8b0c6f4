"""Documents people download: charts (PNG), DOCX in the official-document layout, XLSX figures."""
