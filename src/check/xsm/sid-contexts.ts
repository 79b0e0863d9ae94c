/** How Xen prints a label in an avc line: user, role and type (object_r for objects such as event channels). */
export function initialSidContext(type: string, role: 'system_r' | 'object_r'): string {
  return `system_u:${role}:${type}`;
}
