// What answers an AI feature when no language model is configured: fixed
// rules over the input, no network, no randomness, so the same request always
// gets the same text (tests can assert it; a developer without an API key
// sees every feature work). It does not pretend to be a model: every answer
// starts with OFFLINE_LABEL. What it does per task, recognised from the
// instructions and the prompt:
// - a summary (meeting, transcript, notes): the sentences that carry the
//   most frequent content words, in their original order, as bullets; a
//   detailed one also lists the sentences that read as action items;
// - an email or reply: a short templated email from the "Key: value" context
//   lines (recipient, subject) and the key sentences of the rest;
// - a rewrite (magic pen, improve, rephrase): the text tidied up (spacing,
//   capitals, final punctuation) — the first delimited data block's text
//   when the prompt has one (<<<NAME … NAME>>>, how the AI features pass
//   what a person typed), else the whole prompt;
// - anything else: the key sentences of the prompt.
export const OFFLINE_MODEL = 'lio-offline-1';

export const OFFLINE_LABEL = `[Generated offline by ${OFFLINE_MODEL}: no language model is configured, so this text was assembled from the input by fixed rules.]`;

export interface OfflineRequest {
  system: string;
  prompt: string;
  maxTokens?: number;
}

type OfflineTask = 'summary' | 'email' | 'rewrite' | 'general';

/** Words too common to say what a sentence is about. */
const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her his i if in into is it its ' +
    'just me my no not of on or our she so than that the their them then there these they this to too up us was we ' +
    'were what when which who will with would you your yes ok okay also about all any some very really like get got'
  ).split(' '),
);

const ACTION_ITEM = /\b(will|going to|next step|action item|follow[- ]up|to ?do|send|schedule|deadline|by (monday|tuesday|wednesday|thursday|friday|next week|tomorrow))\b/i;

/** Roughly four characters per token: the length bound a maxTokens asks for. */
const CHARS_PER_TOKEN = 4;

function taskOf({ system, prompt }: OfflineRequest): OfflineTask {
  const instructions = `${system}\n${prompt.slice(0, 200)}`.toLowerCase();
  if (/summar|minutes|recap|transcript/.test(instructions)) return 'summary';
  if (/rewrite|rephrase|improve|polish|magic ?pen/.test(instructions)) return 'rewrite';
  if (/e-?mail|reply|draft/.test(instructions)) return 'email';
  return 'general';
}

/** The "Key: value" lines of a prompt (context the caller passes), by lowercased key. */
function contextFields(prompt: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of prompt.split('\n')) {
    const match = /^\s*([A-Za-z][A-Za-z _-]{0,30}):\s*(.+)$/.exec(line);
    if (match && !fields.has(match[1]!.trim().toLowerCase())) fields.set(match[1]!.trim().toLowerCase(), match[2]!.trim());
  }
  return fields;
}

/** A transcript's speaker prefix ("Anna:", "[00:01:02] Ben:"), not part of what was said. */
const SPEAKER = /^\s*(\[[\d:.]+\]\s*)?[A-Z][\w .'-]{0,30}:\s+/;

/** Sentences end at . ! or ? followed by a space or the line's end: "2.5" and "10:00:00.000Z" are not split. */
const splitSentences = (text: string) => text.split(/(?<=[.!?])\s+/).map((sentence) => sentence.trim()).filter(Boolean);

function sentencesOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(SPEAKER, '').trim())
    .filter(Boolean)
    .flatMap(splitSentences)
    .map((sentence) => sentence.replace(/\s+/g, ' '))
    .filter((sentence) => wordsOf(sentence).length >= 3);
}

/**
 * What is to be summarised: the text after a line that introduces it
 * ("Transcript:", "Notes:") when the prompt has one, so the caller's framing
 * (a meeting's title and date) is not taken for what was said; else all of it.
 */
function materialOf(prompt: string): string {
  const lines = prompt.split('\n');
  const start = lines.findLastIndex((line) => /^\s*(transcript|notes|text|content)\s*:\s*$/i.test(line));
  return start === -1 ? prompt : lines.slice(start + 1).join('\n');
}

const wordsOf = (text: string) => (text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []).filter((word) => !STOP_WORDS.has(word) && word.length > 1);

/** The `count` sentences carrying the most frequent content words, in their original order (ties: the earlier one). */
function keySentences(sentences: string[], count: number): string[] {
  const frequency = new Map<string, number>();
  for (const word of sentences.flatMap(wordsOf)) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  const scored = sentences.map((sentence, index) => {
    const words = wordsOf(sentence);
    // divided by the square root of the length: long sentences do not win on length alone
    const score = words.reduce((sum, word) => sum + (frequency.get(word) ?? 0), 0) / Math.sqrt(words.length);
    return { sentence, index, score };
  });
  return scored
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .sort((a, b) => a.index - b.index)
    .map(({ sentence }) => sentence);
}

const finished = (sentence: string) => (/[.!?]$/.test(sentence) ? sentence : `${sentence}.`);
const capitalised = (sentence: string) => sentence.charAt(0).toUpperCase() + sentence.slice(1);
const bullets = (sentences: string[]) => sentences.map((sentence) => `- ${finished(sentence)}`).join('\n');

function summary(request: OfflineRequest): string {
  const detailed = /detailed|in detail|thorough/i.test(request.system);
  const sentences = sentencesOf(materialOf(request.prompt));
  if (sentences.length === 0) return 'Summary\n- There was nothing to summarise.';
  const parts = [`Summary\n${bullets(keySentences(sentences, detailed ? 6 : 3))}`];
  if (detailed) {
    const actions = sentences.filter((sentence) => ACTION_ITEM.test(sentence));
    parts.push(`Action items\n${actions.length > 0 ? bullets(actions.slice(0, 5)) : '- None stated.'}`);
  }
  return parts.join('\n\n');
}

function email(request: OfflineRequest): string {
  const fields = contextFields(request.prompt);
  const recipient = fields.get('recipient') ?? fields.get('to') ?? fields.get('name') ?? fields.get('contact');
  const subject = fields.get('subject') ?? (fields.has('company') ? `Following up with ${fields.get('company')}` : 'Following up');
  const freeText = request.prompt
    .split('\n')
    .filter((line) => !/^\s*[A-Za-z][A-Za-z _-]{0,30}:\s*.+$/.test(line))
    .join('\n');
  const points = keySentences(sentencesOf(freeText), 2).map((s) => finished(capitalised(s)));
  const body = points.length > 0 ? points.join(' ') : 'I wanted to follow up on our last conversation.';
  return [`Subject: ${subject}`, '', `Hi ${recipient ?? 'there'},`, '', body, '', 'Would you have time for a short call this week?', '', 'Best regards'].join('\n');
}

/** The text of the prompt's first delimited data block (<<<NAME on its own line … NAME>>>), or null when it has none. */
function firstDataBlock(prompt: string): string | null {
  const block = /<<<([A-Z][A-Z_]*)\n([\s\S]*?)\n\1>>>/.exec(prompt);
  return block ? block[2]! : null;
}

function rewrite(request: OfflineRequest): string {
  const text = (firstDataBlock(request.prompt) ?? request.prompt)
    .split(/\n{2,}/)
    .map((paragraph) =>
      splitSentences(paragraph.replace(/\s+/g, ' '))
        .map((sentence) => finished(capitalised(sentence)))
        .join(' '),
    )
    .filter(Boolean)
    .join('\n\n');
  return text || 'There was no text to rewrite.';
}

function general(request: OfflineRequest): string {
  const sentences = keySentences(sentencesOf(request.prompt), 3);
  return sentences.length > 0 ? bullets(sentences) : 'There was not enough input to answer from.';
}

const GENERATORS: Record<OfflineTask, (request: OfflineRequest) => string> = { summary, email, rewrite, general };

/** The labelled offline answer to a request: the same request always gets the same text. */
export function generateOffline(request: OfflineRequest): string {
  const text = GENERATORS[taskOf(request)](request);
  const limit = request.maxTokens === undefined ? Infinity : Math.max(1, request.maxTokens) * CHARS_PER_TOKEN;
  return `${OFFLINE_LABEL}\n\n${text.length > limit ? `${text.slice(0, limit).trimEnd()}…` : text}`;
}
