/**
 * A small, purpose-built reader for the subset of PowerShell the module uses, so that the
 * module's contract can be checked on a machine without PowerShell (tests/unit/module).
 *
 * It knows enough of the language to be trustworthy for what it is asked:
 *   - tokens: comments (# and <# #>), '…' and "…" strings (with `escapes, "" and $(…)
 *     subexpressions), @'…'@ / @"…"@ here-strings, variables ($x, ${x}, $script:x, @splat),
 *     words, punctuation, newlines;
 *   - bracket balance of (), {}, [], $( ), @( ), @{ } outside strings and comments;
 *   - function definitions with their comment-based help, [CmdletBinding()], [OutputType()]
 *     and the param() block (attributes with positional and named arguments, type literals);
 *   - data files (.psd1): hashtables, arrays, strings, numbers, $true/$false/$null.
 * It is not a general PowerShell parser and says so (a problem) when it meets something it
 * does not understand in the places it reads.
 */

export type TokenKind = 'comment' | 'string' | 'herestring' | 'variable' | 'word' | 'punct' | 'newline';

export interface Token {
  kind: TokenKind;
  /** Source text of the token. */
  text: string;
  /** For strings and here-strings: the value (quotes removed, '' and `" unescaped). */
  value?: string;
  start: number;
  end: number;
  line: number;
}

export interface LexResult {
  tokens: Token[];
  /** Unterminated strings/comments and unbalanced brackets, with line numbers. */
  problems: string[];
}

const OPENERS: Record<string, string> = { '(': ')', '$(': ')', '@(': ')', '{': '}', '@{': '}', '[': ']' };
const CLOSERS = new Set([')', '}', ']']);
const WORD_CHAR = /[A-Za-z0-9_\-.:\\/*?%~+!]/;
const SINGLE_PUNCT = new Set(['(', ')', '{', '}', '[', ']', ',', ';', '=', '|', '&', '<', '>']);

class Lexer {
  readonly problems: string[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(private readonly src: string) {
    for (let i = 0; i < src.length; i++) if (src[i] === '\n') this.lineStarts.push(i + 1);
  }

  lineOf(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private push(tokens: Token[], kind: TokenKind, start: number, end: number, value?: string): void {
    const token: Token = { kind, text: this.src.slice(start, end), start, end, line: this.lineOf(start) };
    if (value !== undefined) token.value = value;
    tokens.push(token);
  }

  /**
   * Tokenizes from `start`. With `subexpression`, stops after the ')' that closes a `$(` whose
   * '(' was just before `start` (used inside double-quoted strings) and returns its end.
   */
  lex(start: number, subexpression: boolean): { tokens: Token[]; end: number } {
    const s = this.src;
    const tokens: Token[] = [];
    let depth = 0;
    let i = start;
    while (i < s.length) {
      const c = s[i] as string;
      const next = s[i + 1] ?? '';
      if (c === '\n') {
        this.push(tokens, 'newline', i, i + 1);
        i++;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\ufeff') {
        i++;
        continue;
      }
      if (c === '<' && next === '#') {
        const close = s.indexOf('#>', i + 2);
        if (close < 0) {
          this.problems.push(`line ${this.lineOf(i)}: block comment <# is never closed`);
          this.push(tokens, 'comment', i, s.length);
          i = s.length;
        } else {
          this.push(tokens, 'comment', i, close + 2);
          i = close + 2;
        }
        continue;
      }
      if (c === '#') {
        let j = i;
        while (j < s.length && s[j] !== '\n') j++;
        this.push(tokens, 'comment', i, j);
        i = j;
        continue;
      }
      if (c === '@' && (next === "'" || next === '"')) {
        // A here-string only when the opener ends its line.
        let j = i + 2;
        while (j < s.length && (s[j] === ' ' || s[j] === '\t' || s[j] === '\r')) j++;
        if (s[j] === '\n') {
          const terminator = `\n${next}@`;
          const close = s.indexOf(terminator, j);
          if (close < 0) {
            this.problems.push(`line ${this.lineOf(i)}: here-string @${next} is never closed (${next}@ must start a line)`);
            this.push(tokens, 'herestring', i, s.length, s.slice(j + 1));
            i = s.length;
          } else {
            let bodyEnd = close;
            if (s[bodyEnd - 1] === '\r') bodyEnd--;
            this.push(tokens, 'herestring', i, close + 3, s.slice(j + 1, Math.max(j + 1, bodyEnd)));
            i = close + 3;
          }
          continue;
        }
      }
      if (c === "'") {
        const end = this.readSingleQuoted(i);
        this.push(tokens, 'string', i, end, s.slice(i + 1, end - 1).replace(/''/g, "'"));
        i = end;
        continue;
      }
      if (c === '"') {
        const end = this.readDoubleQuoted(i);
        const inner = s.slice(i + 1, end - 1).replace(/""/g, '"').replace(/`(.)/g, '$1');
        this.push(tokens, 'string', i, end, inner);
        i = end;
        continue;
      }
      if (c === '`') {
        // Escape / line continuation outside strings: the next character is literal.
        i += 2;
        continue;
      }
      if (c === '$') {
        if (next === '(') {
          this.push(tokens, 'punct', i, i + 2);
          depth++;
          i += 2;
          continue;
        }
        if (next === '{') {
          let j = i + 2;
          while (j < s.length && s[j] !== '}') j += s[j] === '`' ? 2 : 1;
          if (j >= s.length) this.problems.push(`line ${this.lineOf(i)}: braced variable \${ is never closed`);
          this.push(tokens, 'variable', i, Math.min(j + 1, s.length));
          i = j + 1;
          continue;
        }
        if (next === '$' || next === '?' || next === '^' || next === '_') {
          let j = i + 2;
          if (next === '_') while (j < s.length && /[\w]/.test(s[j] as string)) j++;
          this.push(tokens, 'variable', i, j);
          i = j;
          continue;
        }
        let j = i + 1;
        while (j < s.length && /[\w:]/.test(s[j] as string)) j++;
        // A trailing ':' is not part of the name ("$x:" in "-f $x:" is rare; be conservative).
        while (j > i + 1 && s[j - 1] === ':' ) j--;
        if (j > i + 1) {
          this.push(tokens, 'variable', i, j);
          i = j;
          continue;
        }
        this.push(tokens, 'punct', i, i + 1);
        i++;
        continue;
      }
      if (c === '@') {
        if (next === '(' || next === '{') {
          this.push(tokens, 'punct', i, i + 2);
          if (next === '(') depth++;
          i += 2;
          continue;
        }
        let j = i + 1;
        while (j < s.length && /\w/.test(s[j] as string)) j++;
        if (j > i + 1) {
          this.push(tokens, 'variable', i, j);
          i = j;
          continue;
        }
        this.push(tokens, 'punct', i, i + 1);
        i++;
        continue;
      }
      if (c === '(') depth++;
      if (c === ')') {
        if (subexpression && depth === 0) {
          return { tokens, end: i + 1 };
        }
        depth--;
      }
      if (SINGLE_PUNCT.has(c)) {
        this.push(tokens, 'punct', i, i + 1);
        i++;
        continue;
      }
      if (WORD_CHAR.test(c)) {
        let j = i + 1;
        while (j < s.length && WORD_CHAR.test(s[j] as string)) j++;
        this.push(tokens, 'word', i, j);
        i = j;
        continue;
      }
      this.push(tokens, 'punct', i, i + 1);
      i++;
    }
    if (subexpression) this.problems.push(`line ${this.lineOf(start)}: subexpression $( in a string is never closed`);
    return { tokens, end: s.length };
  }

  private readSingleQuoted(start: number): number {
    const s = this.src;
    let i = start + 1;
    while (i < s.length) {
      if (s[i] === "'") {
        if (s[i + 1] === "'") {
          i += 2;
          continue;
        }
        return i + 1;
      }
      i++;
    }
    this.problems.push(`line ${this.lineOf(start)}: single-quoted string is never closed`);
    return s.length;
  }

  private readDoubleQuoted(start: number): number {
    const s = this.src;
    let i = start + 1;
    while (i < s.length) {
      const c = s[i];
      if (c === '`') {
        i += 2;
        continue;
      }
      if (c === '"') {
        if (s[i + 1] === '"') {
          i += 2;
          continue;
        }
        return i + 1;
      }
      if (c === '$' && s[i + 1] === '(') {
        const inner = this.lex(i + 2, true);
        this.problems.push(...checkBalance(inner.tokens, this));
        i = inner.end;
        continue;
      }
      i++;
    }
    this.problems.push(`line ${this.lineOf(start)}: double-quoted string is never closed`);
    return s.length;
  }
}

function checkBalance(tokens: Token[], lexer: Lexer): string[] {
  const problems: string[] = [];
  const stack: Token[] = [];
  for (const t of tokens) {
    if (t.kind !== 'punct') continue;
    if (t.text in OPENERS) {
      stack.push(t);
    } else if (CLOSERS.has(t.text)) {
      const open = stack.pop();
      if (!open) {
        problems.push(`line ${t.line}: '${t.text}' has no matching opener`);
      } else if (OPENERS[open.text] !== t.text) {
        problems.push(`line ${t.line}: '${t.text}' closes '${open.text}' opened on line ${open.line}`);
      }
    }
  }
  for (const open of stack) problems.push(`line ${open.line}: '${open.text}' is never closed`);
  void lexer;
  return problems;
}

/** Tokenizes a whole file and checks bracket balance outside strings, here-strings and comments. */
export function lex(src: string): LexResult {
  const lexer = new Lexer(src);
  const { tokens } = lexer.lex(0, false);
  const problems = [...lexer.problems, ...checkBalance(tokens, lexer)];
  return { tokens, problems };
}

/** Tokens that carry meaning (no comments, no newlines). */
export function significant(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'comment' && t.kind !== 'newline');
}

/** Index of the token that closes the opener at `index` (same token list). */
export function matchingClose(tokens: Token[], index: number): number {
  const open = tokens[index];
  if (!open || !(open.text in OPENERS)) throw new Error(`token ${index} is not an opener`);
  let depth = 0;
  for (let i = index; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== 'punct') continue;
    if (t.text in OPENERS) depth++;
    else if (CLOSERS.has(t.text)) {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`line ${open.line}: '${open.text}' is never closed`);
}

// ---------------------------------------------------------------------------------------------
// Attributes, types and param() blocks

export type AttributeValue = string | number | boolean | null | { type: string };

export interface Attribute {
  /** As written, e.g. Parameter, CmdletBinding, Alias. */
  name: string;
  positional: AttributeValue[];
  /** Named arguments, keys lower-cased. A bare name (Mandatory) is `true`. */
  named: Record<string, AttributeValue>;
  line: number;
}

export interface Parameter {
  name: string;
  /** Type as written ('string[]', 'System.Security.SecureString'), or null when untyped. */
  typeText: string | null;
  /** .NET full name ('System.String[]'); System.Object when untyped. */
  type: string;
  attributes: Attribute[];
  line: number;
}

export interface ParameterSetEntry {
  mandatory: boolean;
  position: number | null;
  valueFromPipeline: boolean;
  valueFromPipelineByPropertyName: boolean;
  dontShow: boolean;
}

const ACCELERATORS: Record<string, string> = {
  string: 'System.String',
  int: 'System.Int32',
  int32: 'System.Int32',
  long: 'System.Int64',
  int64: 'System.Int64',
  bool: 'System.Boolean',
  boolean: 'System.Boolean',
  switch: 'System.Management.Automation.SwitchParameter',
  securestring: 'System.Security.SecureString',
  psobject: 'System.Management.Automation.PSObject',
  pscustomobject: 'System.Management.Automation.PSObject',
  hashtable: 'System.Collections.Hashtable',
  object: 'System.Object',
  datetime: 'System.DateTime',
  guid: 'System.Guid',
  pscredential: 'System.Management.Automation.PSCredential',
  scriptblock: 'System.Management.Automation.ScriptBlock',
  version: 'System.Version',
  byte: 'System.Byte',
  double: 'System.Double',
  char: 'System.Char',
  array: 'System.Array',
  xml: 'System.Xml.XmlDocument',
  void: 'System.Void',
  ipaddress: 'System.Net.IPAddress',
  uri: 'System.Uri',
  regex: 'System.Text.RegularExpressions.Regex',
  type: 'System.Type',
};

/** Maps a PowerShell type literal to its .NET full name: 'string[]' -> 'System.String[]'. */
export function fullTypeName(typeText: string): string {
  const text = typeText.trim();
  if (text.endsWith('[]')) return `${fullTypeName(text.slice(0, -2))}[]`;
  const accelerated = ACCELERATORS[text.toLowerCase()];
  if (accelerated) return accelerated;
  if (/^system\./i.test(text)) return text;
  // A namespace-less name that is not an accelerator: PowerShell would try System.<name>.
  return text.includes('.') ? text : `System.${text}`;
}

function tokenValue(t: Token): AttributeValue | undefined {
  if (t.kind === 'string' || t.kind === 'herestring') return t.value ?? '';
  if (t.kind === 'variable') {
    const v = t.text.toLowerCase();
    if (v === '$true') return true;
    if (v === '$false') return false;
    if (v === '$null') return null;
    return undefined;
  }
  if (t.kind === 'word') {
    if (/^-?\d+$/.test(t.text)) return Number(t.text);
    return t.text;
  }
  return undefined;
}

function splitTopLevel(tokens: Token[], separator: string): Token[][] {
  const parts: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text in OPENERS) depth++;
    if (t.kind === 'punct' && CLOSERS.has(t.text)) depth--;
    if (depth === 0 && t.kind === 'punct' && t.text === separator) {
      parts.push(current);
      current = [];
      continue;
    }
    current.push(t);
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/**
 * Reads the bracketed construct starting at tokens[index] ('['): an attribute
 * ([Name(args)]) or a type literal ([string[]]). Tokens must be significant ones.
 */
export function readBracket(tokens: Token[], index: number): { kind: 'attribute'; attribute: Attribute; end: number } | { kind: 'type'; typeText: string; end: number } {
  const close = matchingClose(tokens, index);
  const inner = tokens.slice(index + 1, close);
  const line = (tokens[index] as Token).line;
  const parenIndex = inner.findIndex((t) => t.kind === 'punct' && t.text === '(');
  const last = inner[inner.length - 1];
  if (parenIndex > 0 && last && last.kind === 'punct' && last.text === ')' && matchingClose(inner, parenIndex) === inner.length - 1) {
    const name = inner
      .slice(0, parenIndex)
      .map((t) => t.text)
      .join('');
    const argTokens = inner.slice(parenIndex + 1, inner.length - 1);
    const attribute: Attribute = { name, positional: [], named: {}, line };
    for (const part of splitTopLevel(argTokens, ',')) {
      if (part.length === 0) continue;
      const first = part[0] as Token;
      const second = part[1];
      if (first.kind === 'word' && second && second.kind === 'punct' && second.text === '=') {
        const valueTokens = part.slice(2);
        attribute.named[first.text.toLowerCase()] = readValueTokens(valueTokens, line);
      } else if (part.length === 1 && first.kind === 'word' && !/^-?\d+$/.test(first.text)) {
        attribute.named[first.text.toLowerCase()] = true;
      } else {
        attribute.positional.push(readValueTokens(part, line));
      }
    }
    return { kind: 'attribute', attribute, end: close };
  }
  const typeText = inner.map((t) => t.text).join('');
  return { kind: 'type', typeText, end: close };
}

function readValueTokens(tokens: Token[], line: number): AttributeValue {
  if (tokens.length === 1) {
    const value = tokenValue(tokens[0] as Token);
    if (value !== undefined) return value;
  }
  const first = tokens[0];
  if (first && first.kind === 'punct' && first.text === '[') {
    const read = readBracket(tokens, 0);
    if (read.kind === 'type' && read.end === tokens.length - 1) return { type: read.typeText };
  }
  throw new Error(`line ${line}: cannot read attribute argument '${tokens.map((t) => t.text).join(' ')}'`);
}

/** Reads a param( … ) block: `tokens` are the significant tokens between its parentheses. */
export function readParamBlock(tokens: Token[]): Parameter[] {
  const parameters: Parameter[] = [];
  let attributes: Attribute[] = [];
  let typeText: string | null = null;
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i] as Token;
    if (t.kind === 'punct' && t.text === '[') {
      const read = readBracket(tokens, i);
      if (read.kind === 'attribute') attributes.push(read.attribute);
      else typeText = read.typeText;
      i = read.end + 1;
      continue;
    }
    if (t.kind === 'variable') {
      parameters.push({
        name: t.text.slice(1),
        typeText,
        type: typeText === null ? 'System.Object' : fullTypeName(typeText),
        attributes,
        line: t.line,
      });
      attributes = [];
      typeText = null;
      i++;
      // Skip a default value up to the next top-level comma.
      let depth = 0;
      while (i < tokens.length) {
        const u = tokens[i] as Token;
        if (u.kind === 'punct' && u.text in OPENERS) depth++;
        else if (u.kind === 'punct' && CLOSERS.has(u.text)) depth--;
        else if (depth === 0 && u.kind === 'punct' && u.text === ',') break;
        i++;
      }
      i++;
      continue;
    }
    throw new Error(`line ${t.line}: unexpected '${t.text}' in param() block`);
  }
  if (attributes.length > 0 || typeText !== null) throw new Error('param() block ends with attributes but no parameter');
  return parameters;
}

function truthy(value: AttributeValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.toLowerCase() === 'true' || value === '$true';
  return true;
}

export function attributesNamed(attributes: Attribute[], name: string): Attribute[] {
  const wanted = name.toLowerCase();
  return attributes.filter((a) => {
    const n = a.name.toLowerCase();
    return n === wanted || n === `${wanted}attribute` || n.endsWith(`.${wanted}`) || n.endsWith(`.${wanted}attribute`);
  });
}

/** Parameter set name -> flags, as PowerShell derives them from the [Parameter()] attributes. */
export function parameterSets(parameter: Parameter): Record<string, ParameterSetEntry> {
  const sets: Record<string, ParameterSetEntry> = {};
  const declared = attributesNamed(parameter.attributes, 'Parameter');
  if (declared.length === 0) {
    sets.__AllParameterSets = { mandatory: false, position: null, valueFromPipeline: false, valueFromPipelineByPropertyName: false, dontShow: false };
    return sets;
  }
  for (const a of declared) {
    const setName = a.named.parametersetname;
    const position = a.named.position;
    sets[typeof setName === 'string' ? setName : '__AllParameterSets'] = {
      mandatory: truthy(a.named.mandatory),
      position: typeof position === 'number' ? position : null,
      valueFromPipeline: truthy(a.named.valuefrompipeline),
      valueFromPipelineByPropertyName: truthy(a.named.valuefrompipelinebypropertyname),
      dontShow: truthy(a.named.dontshow),
    };
  }
  return sets;
}

export function parameterAliases(parameter: Parameter): string[] {
  return attributesNamed(parameter.attributes, 'Alias').flatMap((a) => a.positional.filter((v): v is string => typeof v === 'string'));
}

// ---------------------------------------------------------------------------------------------
// Comment-based help

export const HELP_KEYWORDS = [
  'SYNOPSIS', 'DESCRIPTION', 'PARAMETER', 'EXAMPLE', 'INPUTS', 'OUTPUTS', 'NOTES', 'LINK', 'COMPONENT',
  'ROLE', 'FUNCTIONALITY', 'FORWARDHELPTARGETNAME', 'FORWARDHELPCATEGORY', 'REMOTEHELPRUNSPACE', 'EXTERNALHELP',
] as const;

export interface Help {
  synopsis: string;
  description: string;
  /** Parameter name (as written) -> description. */
  parameters: Map<string, string>;
  examples: string[];
  inputs: string[];
  outputs: string[];
  /** Keywords PowerShell would not accept (which makes it ignore the whole help block). */
  unknownKeywords: string[];
}

export function readHelp(commentText: string): Help {
  const body = commentText.replace(/^<#/, '').replace(/#>$/, '');
  const help: Help = { synopsis: '', description: '', parameters: new Map(), examples: [], inputs: [], outputs: [], unknownKeywords: [] };
  let current: { keyword: string; argument: string; lines: string[] } | null = null;
  const flush = (): void => {
    if (!current) return;
    const text = current.lines.join('\n').trim();
    switch (current.keyword) {
      case 'SYNOPSIS':
        help.synopsis = text;
        break;
      case 'DESCRIPTION':
        help.description = text;
        break;
      case 'PARAMETER':
        help.parameters.set(current.argument, text);
        break;
      case 'EXAMPLE':
        help.examples.push(text);
        break;
      case 'INPUTS':
        help.inputs.push(text);
        break;
      case 'OUTPUTS':
        help.outputs.push(text);
        break;
      default:
        break;
    }
  };
  for (const line of body.split(/\r?\n/)) {
    const m = /^\s*\.([A-Za-z]+)(?:\s+(.*?))?\s*$/.exec(line);
    if (m) {
      flush();
      const keyword = (m[1] as string).toUpperCase();
      if (!(HELP_KEYWORDS as readonly string[]).includes(keyword)) help.unknownKeywords.push(keyword);
      current = { keyword, argument: (m[2] ?? '').trim(), lines: [] };
      continue;
    }
    if (current) current.lines.push(line);
  }
  flush();
  return help;
}

// ---------------------------------------------------------------------------------------------
// Functions

export interface FunctionInfo {
  name: string;
  line: number;
  /** Comment-based help: the first <# #> block inside the body, or right before `function`. */
  help: Help | null;
  /** Attributes before param(): CmdletBinding, OutputType, SuppressMessage, ... */
  attributes: Attribute[];
  cmdletBinding: Attribute | null;
  outputTypes: string[];
  parameters: Parameter[];
  /** Significant tokens of the body (between the function's braces). */
  body: Token[];
}

export interface ScriptInfo {
  tokens: Token[];
  problems: string[];
  functions: FunctionInfo[];
}

function outputTypeNames(attributes: Attribute[]): string[] {
  return attributesNamed(attributes, 'OutputType').flatMap((a) =>
    a.positional.map((v) => {
      if (typeof v === 'string') return v;
      if (v && typeof v === 'object') return fullTypeName(v.type);
      throw new Error(`line ${a.line}: cannot read [OutputType()] argument`);
    }),
  );
}

/** Reads the top-level functions of a script file. */
export function readScript(src: string): ScriptInfo {
  const { tokens, problems } = lex(src);
  const sig = significant(tokens);
  const functions: FunctionInfo[] = [];
  if (problems.length > 0) return { tokens, problems, functions };

  for (let i = 0; i < sig.length; i++) {
    const t = sig[i] as Token;
    if (!(t.kind === 'word' && t.text.toLowerCase() === 'function')) continue;
    const nameToken = sig[i + 1];
    const open = sig[i + 2];
    if (!nameToken || nameToken.kind !== 'word' || !open || open.text !== '{') {
      problems.push(`line ${t.line}: cannot read the function definition`);
      continue;
    }
    const close = matchingClose(sig, i + 2);
    const body = sig.slice(i + 3, close);

    // Help: first block comment inside the body, else the one right before `function`.
    const allOpen = tokens.indexOf(open);
    const allClose = tokens.indexOf(sig[close] as Token);
    let helpToken = tokens.slice(allOpen + 1, allClose).find((x) => x.kind === 'comment' && x.text.startsWith('<#'));
    if (!helpToken) {
      const before = tokens.slice(0, tokens.indexOf(t)).filter((x) => x.kind !== 'newline');
      const prev = before[before.length - 1];
      if (prev && prev.kind === 'comment' && prev.text.startsWith('<#')) helpToken = prev;
    }

    const attributes: Attribute[] = [];
    let parameters: Parameter[] = [];
    let j = 0;
    while (j < body.length) {
      const b = body[j] as Token;
      if (b.kind === 'punct' && b.text === '[') {
        const read = readBracket(body, j);
        if (read.kind === 'attribute') attributes.push(read.attribute);
        j = read.end + 1;
        continue;
      }
      if (b.kind === 'word' && b.text.toLowerCase() === 'param' && body[j + 1]?.text === '(') {
        const paramClose = matchingClose(body, j + 1);
        parameters = readParamBlock(body.slice(j + 2, paramClose));
      }
      break;
    }

    functions.push({
      name: nameToken.text,
      line: t.line,
      help: helpToken ? readHelp(helpToken.text) : null,
      attributes,
      cmdletBinding: attributesNamed(attributes, 'CmdletBinding')[0] ?? null,
      outputTypes: outputTypeNames(attributes),
      parameters,
      body,
    });
    i = close;
  }
  return { tokens, problems, functions };
}

/** Reads a named argument of an attribute, e.g. CmdletBinding's SupportsShouldProcess. */
export function namedArgument(attribute: Attribute | null, name: string): AttributeValue | undefined {
  if (!attribute) return undefined;
  return attribute.named[name.toLowerCase()];
}

export function isTruthy(value: AttributeValue | undefined): boolean {
  return truthy(value);
}

// ---------------------------------------------------------------------------------------------
// Data files (.psd1)

export type DataValue = string | number | boolean | null | DataValue[] | { [key: string]: DataValue };

/** Reads a PowerShell data file (a single hashtable literal), e.g. a module manifest. */
export function readDataFile(src: string): { [key: string]: DataValue } {
  const { tokens, problems } = lex(src);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const all = tokens.filter((t) => t.kind !== 'comment');
  let i = 0;
  const skipNewlines = (): void => {
    while (all[i]?.kind === 'newline' || all[i]?.text === ';') i++;
  };
  const readValue = (): DataValue => {
    skipNewlines();
    const t = all[i];
    if (!t) throw new Error('unexpected end of data file');
    if (t.kind === 'punct' && t.text === '@{') {
      i++;
      const table: { [key: string]: DataValue } = {};
      for (;;) {
        skipNewlines();
        const k = all[i];
        if (!k) throw new Error('hashtable is never closed');
        if (k.kind === 'punct' && k.text === '}') {
          i++;
          return table;
        }
        const key = k.kind === 'string' ? (k.value ?? '') : k.text;
        i++;
        if (all[i]?.text !== '=') throw new Error(`line ${k.line}: expected '=' after key ${key}`);
        i++;
        table[key] = readListOrValue();
      }
    }
    if (t.kind === 'punct' && t.text === '@(') {
      i++;
      const items: DataValue[] = [];
      for (;;) {
        skipNewlines();
        const u = all[i];
        if (!u) throw new Error('array is never closed');
        if (u.kind === 'punct' && u.text === ')') {
          i++;
          return items;
        }
        if (u.kind === 'punct' && u.text === ',') {
          i++;
          continue;
        }
        items.push(readValue());
      }
    }
    i++;
    const value = tokenValue(t);
    if (value === undefined || (typeof value === 'object' && value !== null)) throw new Error(`line ${t.line}: unsupported value '${t.text}' in data file`);
    return value as DataValue;
  };
  const readListOrValue = (): DataValue => {
    const first = readValue();
    if (all[i]?.text !== ',') return first;
    const items: DataValue[] = [first];
    while (all[i]?.text === ',') {
      i++;
      items.push(readValue());
    }
    return items;
  };
  const result = readValue();
  if (result === null || typeof result !== 'object' || Array.isArray(result)) throw new Error('a data file must hold one hashtable');
  return result;
}

// ---------------------------------------------------------------------------------------------
// XML well-formedness (format files)

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
}

/**
 * A strict little XML reader for .ps1xml files: one root, properly nested and closed tags,
 * quoted attributes, known entities, comments, an optional declaration. Throws on the first
 * well-formedness error, with its line.
 */
export function readXml(src: string): XmlElement {
  let i = 0;
  const lineAt = (pos: number): number => src.slice(0, pos).split('\n').length;
  const fail = (message: string): never => {
    throw new Error(`XML line ${lineAt(i)}: ${message}`);
  };
  const decode = (text: string): string =>
    text.replace(/&(#x[0-9a-fA-F]+|#\d+|[A-Za-z]+);|&/g, (whole, entity: string | undefined) => {
      if (entity === undefined) fail('bare & (use &amp;)');
      const e = entity as string;
      if (e === 'lt') return '<';
      if (e === 'gt') return '>';
      if (e === 'amp') return '&';
      if (e === 'quot') return '"';
      if (e === 'apos') return "'";
      if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
      if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
      return fail(`unknown entity ${whole}`);
    });
  const skipMisc = (): void => {
    for (;;) {
      while (i < src.length && /\s/.test(src[i] as string)) i++;
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0) fail('comment is never closed');
        i = end + 3;
        continue;
      }
      if (src.startsWith('<?', i)) {
        const end = src.indexOf('?>', i + 2);
        if (end < 0) fail('processing instruction is never closed');
        i = end + 2;
        continue;
      }
      return;
    }
  };
  const nameRe = /[A-Za-z_][\w.:-]*/y;
  const readName = (): string => {
    nameRe.lastIndex = i;
    const m = nameRe.exec(src);
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const readElement = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    const line = lineAt(i);
    i++;
    const name = readName();
    const element: XmlElement = { name, attributes: {}, children: [], text: '', line };
    for (;;) {
      while (/\s/.test(src[i] ?? '')) i++;
      if (src.startsWith('/>', i)) {
        i += 2;
        return element;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      const attribute = readName();
      while (/\s/.test(src[i] ?? '')) i++;
      if (src[i] !== '=') fail(`attribute ${attribute} has no value`);
      i++;
      while (/\s/.test(src[i] ?? '')) i++;
      const quote = src[i];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attribute} is not quoted`);
      const end = src.indexOf(quote as string, i + 1);
      if (end < 0) fail(`attribute ${attribute} is never closed`);
      if (attribute in element.attributes) fail(`duplicate attribute ${attribute}`);
      element.attributes[attribute] = decode(src.slice(i + 1, end));
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`<${name}> is never closed`);
      element.text += decode(src.slice(i, lt));
      i = lt;
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0) fail('comment is never closed');
        i = end + 3;
        continue;
      }
      if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i);
        if (end < 0) fail('CDATA is never closed');
        element.text += src.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}> from line ${line}`);
        while (/\s/.test(src[i] ?? '')) i++;
        if (src[i] !== '>') fail(`</${closing} is not closed with >`);
        i++;
        element.text = element.text.trim();
        return element;
      }
      element.children.push(readElement());
    }
  };
  skipMisc();
  const root = readElement();
  skipMisc();
  if (i < src.length) fail('content after the root element');
  return root;
}

export function xmlDescendants(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const child of e.children) {
      if (child.name === name) found.push(child);
      walk(child);
    }
  };
  walk(element);
  return found;
}
