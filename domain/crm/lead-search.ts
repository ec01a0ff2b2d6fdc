// What a search term matches on a lead, shared by the lead list's
// search_value and the global search (§6.1): the full name, email, company
// and phone number. Each expression has a trigram GIN index (migration
// lead_search_trigram), so a term of three or more characters is a BitmapOr
// of four index lookups; queries must write them exactly so (docs/indexes.md).
import type { Prisma } from '../../generated/prisma/client.js';
import { anyColumnContains } from '../platform/list-query.js';

const LEAD_SEARCH_COLUMNS = ['lead_full_name(first_name, last_name)', 'email', 'company', 'phone_number'] as const;

/** The lead contains `text` (literally, case-insensitively) in one of its searched fields. */
export const leadSearchCondition = (text: string): Prisma.Sql => anyColumnContains(LEAD_SEARCH_COLUMNS, text);
