/** The report layer: the facts of a boot configuration (`buildReport`) and their pictures (`reportHtml`, `reportSvg`). */
export { buildReport, type ReportInput } from './build-report.js';
export { type BootResult, type BootDomainResult, type BootStageName, parseBootResult, readBootResult } from './boot-result.js';
export { REPORT_CODES, type ReportCode } from './codes.js';
export { type AssignedPath } from './devices.js';
export { type DomidPrediction, type DomidRoute, predictDomids } from './domid.js';
export { reportHtml } from './html-page.js';
export { type PlacedImageFact } from './memory-ranges.js';
export {
  type CpuDomain, type CpuRow, type DeviceRow, type DomainFacts, type Link, type MemoryRange, type ModuleFacts, type RangeKind, REPORT_SCHEMA,
  type ReportData, type ReportFinding, type TargetFacts, type BootFacts,
} from './report-data.js';
export { ReportError } from './report-error.js';
export { type ConfigReportOptions, type SourceReportOptions, reportInputFromCheck, reportInputFromConfig, reportInputFromSource } from './report-input.js';
export { REPORT_VIEWS, type ReportView, reportSvg } from './svg-view.js';
