/**
 * SARIF 2.1.0 (OASIS) so that CI systems show findings inline: one run, the
 * full rule table as the driver's rules, one result per finding with a
 * physical location (file, line, column) when known and the DT path as a
 * logical location.
 */
import type { Finding } from './finding.js';
import type { Rule } from './rule.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

function ruleDescriptor(r: Rule): Record<string, unknown> {
  return {
    id: r.id,
    name: r.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: r.summary },
    fullDescription: { text: `${r.summary}. Xen: ${r.xenMessage} (${r.xenSource})` },
    help: { text: r.hint },
    defaultConfiguration: { level: r.severity },
    properties: { group: r.group, xenMessage: r.xenMessage, xenSource: r.xenSource, ...(r.olderMessages ? { olderMessages: r.olderMessages } : {}), ...(r.since ? { since: r.since } : {}), ...(r.until ? { until: r.until } : {}) },
  };
}

/** A file name as a relative URI reference (SARIF wants URIs; spaces and such are escaped). */
function uriOf(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

function result(f: Finding, ruleIndex: number, file: string | undefined): Record<string, unknown> {
  const artifact = f.position?.file || f.file || file;
  const physical = artifact
    ? { physicalLocation: { artifactLocation: { uri: uriOf(artifact) }, ...(f.position ? { region: { startLine: f.position.firstLine, startColumn: f.position.firstColumn } } : {}) } }
    : {};
  const logical = f.path ? { logicalLocations: [{ fullyQualifiedName: f.path, kind: 'element' }] } : {};
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: f.severity,
    message: { text: f.hint ? `${f.message}\nhint: ${f.hint}` : f.message },
    locations: [{ ...physical, ...logical }],
    ...(f.xenMessage ? { properties: { xenMessage: f.xenMessage } } : {}),
  };
}

export function toSarif(findings: readonly Finding[], rules: readonly Rule[], opts: { file?: string; version?: string } = {}): Record<string, unknown> {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    version: '2.1.0',
    $schema: SARIF_SCHEMA,
    runs: [
      {
        tool: { driver: { name: 'hyperlaunch', informationUri: 'https://xenproject.org', ...(opts.version ? { version: opts.version } : {}), rules: rules.map(ruleDescriptor) } },
        results: findings.map((f) => result(f, index.get(f.ruleId) ?? -1, opts.file)),
      },
    ],
  };
}
