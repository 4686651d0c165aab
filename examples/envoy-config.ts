// Test helper for the examples: the plugin configuration and root_id written in an example's envoy.yaml
// (the StringValue under `configuration:`, single-quoted or a `|` block), so a test can load exactly
// what Envoy would be given. A tiny line reader, not a YAML parser: it understands only the shapes the
// examples use.
import { readFileSync } from 'node:fs';

export function envoyPluginConfig(yamlPath: string | URL): { rootId: string; vmId: string; configuration: string } {
  const lines = readFileSync(yamlPath, 'utf8').split('\n');
  const field = (name: string) => {
    const l = lines.find((x) => x.trim().startsWith(name + ':'));
    if (!l) throw new Error(`${yamlPath}: no ${name}`);
    return l.trim().slice(name.length + 1).replace(/#.*$/, '').trim();
  };
  const at = lines.findIndex((l) => l.trim() === 'configuration:');
  const v = lines.findIndex((l, i) => i > at && l.trim().startsWith('value:'));
  if (at < 0 || v < 0) throw new Error(`${yamlPath}: no configuration value`);
  const inline = lines[v].trim().slice('value:'.length).trim();
  let configuration: string;
  if (inline === '|') {
    const indent = lines[v].search(/\S/);
    const block: string[] = [];
    for (let i = v + 1; i < lines.length && (lines[i].trim() === '' || lines[i].search(/\S/) > indent); i++) block.push(lines[i]);
    const strip = Math.min(...block.filter((b) => b.trim()).map((b) => b.search(/\S/)));
    configuration = block.map((b) => b.slice(strip)).join('\n').trimEnd() + '\n';
  } else {
    configuration = inline.startsWith("'") ? inline.slice(1, inline.lastIndexOf("'")).replace(/''/g, "'") : inline;
  }
  return { rootId: field('root_id'), vmId: field('vm_id'), configuration };
}
