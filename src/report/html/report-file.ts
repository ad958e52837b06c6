/** The report's file name in a run's output folder: its own module, so naming it does not load the renderer (vega). */
export const REPORT_FILE = 'report.html';
