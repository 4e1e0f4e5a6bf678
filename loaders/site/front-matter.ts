/** What labbook reads from a page's front matter: its sidebar entry. */
export interface PageMeta {
  /** The sidebar name (front matter `title`, else the first `# heading`, else the file name). */
  title: string;
  /** The sidebar section to file it under; top level when unset. */
  section?: string;
  /** Leave the page out of the sidebar (front matter `sidebar: false`, as Framework spells it for its own sidebar). */
  hidden: boolean;
}

/**
 * Reads the scalar `key: value` lines of a page's YAML front matter (quotes optional). Only the keys labbook uses are
 * looked at; Framework reads the rest itself.
 */
export function pageMeta(markdown: string, fallback: string): PageMeta {
  const block = /^---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(markdown)?.[1] ?? "";
  const data: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const m = /^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$/.exec(line);
    if (m) data[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, "$2");
  }
  const heading = /^#\s+(.+?)\s*$/m.exec(markdown.slice(block ? block.length + 8 : 0))?.[1];
  const title = data.title || (heading && !heading.includes("${") ? heading : undefined) || fallback;
  return { title, ...(data.section ? { section: data.section } : {}), hidden: data.sidebar === "false" };
}
