// Connecting to Temporal from the configuration, and the search attributes
// LIO workflows carry (operators filter the Temporal UI by organization and
// lead with them). A fresh server or namespace does not know them yet, so
// processes register the missing ones when they start.
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import type { Config } from '../domain/platform/config.js';

export const LIO_SEARCH_ATTRIBUTES = {
  orgId: defineSearchAttributeKey('OrgId', SearchAttributeType.KEYWORD),
  leadId: defineSearchAttributeKey('LeadId', SearchAttributeType.KEYWORD),
  jobType: defineSearchAttributeKey('JobType', SearchAttributeType.KEYWORD),
};

// gRPC ALREADY_EXISTS: another process registered the attribute first
const GRPC_ALREADY_EXISTS = 6;

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(LIO_SEARCH_ATTRIBUTES).filter((key) => !(key.name in customAttributes));
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!])),
    });
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS)) throw err;
  }
}

export interface TemporalClient {
  client: Client;
  connection: Connection;
}

export async function connectTemporalClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Promise<TemporalClient> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return { connection, client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }) };
}
