/**
 * Reads everything a sandbox wrote or showed — logs, S3 objects, DynamoDB items, Step Functions
 * histories, SMA responses (actions and TransactionAttributes), agent-visible outcomes — and reports
 * every place a sentinel appears. Vault items are checked field by field: sealed fields must be
 * ciphertext, and nothing else may hold the sentinel.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../../sandbox/sandbox';
import type { EmulatedCall } from '../../sandbox/sma/emulator';

export interface Artifact {
  where: string;
  text: string;
}

export async function collectArtifacts(sandbox: Sandbox, calls: EmulatedCall[], agentPayloads: unknown[]): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for (const file of readdirSync(sandbox.logDir)) artifacts.push({ where: `log ${file}`, text: readFileSync(join(sandbox.logDir, file), 'utf8') });
  for (const object of await sandbox.s3.listAllObjects()) artifacts.push({ where: `s3 ${object.bucket}/${object.key}`, text: `${object.body.toString('latin1')} ${JSON.stringify(object.metadata)}` });
  for (const table of ['SessionTable', 'CardVaultTable']) {
    for (const item of await sandbox.dynamo.scanAll(table)) artifacts.push({ where: `dynamodb ${table}`, text: JSON.stringify(item) });
  }
  for (const execution of sandbox.sfn.executions()) {
    artifacts.push({ where: `sfn ${execution.name} input/output`, text: `${execution.input} ${execution.output ?? ''} ${execution.cause ?? ''}` });
    artifacts.push({ where: `sfn ${execution.name} history`, text: JSON.stringify(sandbox.sfn.history(execution.executionArn)) });
  }
  for (const call of calls) {
    for (const inv of call.invocations) {
      artifacts.push({ where: `sma response ${call.transactionId}#${inv.event.Sequence}`, text: JSON.stringify(inv.response ?? null) });
      artifacts.push({ where: `sma attributes ${call.transactionId}#${inv.event.Sequence}`, text: JSON.stringify(inv.event.CallDetails.TransactionAttributes ?? {}) });
    }
  }
  agentPayloads.forEach((p, i) => artifacts.push({ where: `agent payload ${i}`, text: JSON.stringify(p) }));
  return artifacts;
}

/** Places where a sentinel appears: as a digit run, or as a whole JSON string value for short ones. */
export function findSentinels(artifacts: Artifact[], sentinels: { long: string[]; short: string[] }): string[] {
  const hits: string[] = [];
  for (const a of artifacts) {
    for (const s of sentinels.long) if (a.text.includes(s)) hits.push(`${s} in ${a.where}`);
    for (const s of sentinels.short) if (new RegExp(`["=:]${s}["&,;]`).test(a.text)) hits.push(`${s} in ${a.where}`);
  }
  return hits;
}
