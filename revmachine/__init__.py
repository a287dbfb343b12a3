"""Revenue Machine: sales & marketing alignment metrics from CRM spreadsheet exports."""

__version__ = "0.1.0"
