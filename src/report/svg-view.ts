/** One picture of the report alone (`report --format svg --view ...`), as a standalone SVG document. */
import { commGraphSvg } from './comm-graph-svg.js';
import { cpuMapSvg } from './cpu-map.js';
import { memoryMapSvg } from './memory-map-svg.js';
import type { ReportData } from './report-data.js';

export type ReportView = 'memory' | 'cpus' | 'graph';
export const REPORT_VIEWS: readonly ReportView[] = ['memory', 'cpus', 'graph'];

export function reportSvg(data: ReportData, view: ReportView): string {
  const svg = view === 'memory' ? memoryMapSvg(data) : view === 'cpus' ? cpuMapSvg(data) : commGraphSvg(data);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
}
