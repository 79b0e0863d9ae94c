/** The error a writer raises when it would have to drop something. */
import { BootConfigError } from '../model/errors.js';
import type { Loss } from '../model/loss.js';

export function formatLoss(l: Loss): string {
  return l.path.endsWith(`:${l.item}`) ? `${l.path}: ${l.reason}` : `${l.path}: ${l.item}: ${l.reason}`;
}

export function lossError(losses: readonly Loss[]): BootConfigError {
  const first = losses[0]!;
  return new BootConfigError('LOSSY_CONVERSION', `${losses.length} item(s) cannot be expressed in ${first.to}:\n${losses.map((l) => `  ${formatLoss(l)}`).join('\n')}`, {
    path: first.path,
    position: first.position,
    hint: 'use convert() to get the losses as a list, or pass allowLoss',
  });
}
