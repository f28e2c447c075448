// Bundles the explorer into ../dist (explorer.js, explorer.css, index.html).
// Run through ../build.sh, which installs the pinned packages first.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "dist");

// @graphiql/react ships Roboto and Fira Code as data: URLs split by
// unicode-range (~350 KB in all). Keep only the Latin subset; every other
// script falls back to the system fonts named in src/explorer.css.
const latinFontsOnly = {
  name: "latin-fonts-only",
  setup(build) {
    build.onLoad({ filter: /[\\/]@graphiql[\\/]react[\\/]font[\\/][^\\/]+\.css$/ }, (args) => {
      const css = readFileSync(args.path, "utf8");
      const faces = css.match(/@font-face\s*\{[^}]*\}/g) ?? [];
      const kept = faces.filter((face) => {
        const range = /unicode-range:\s*([^;}]+)/.exec(face);
        return !range || /U\+0000-00FF\b/i.test(range[1]);
      });
      if (kept.length === 0) {
        throw new Error(`no Latin @font-face left in ${args.path}`);
      }
      return { contents: kept.join("\n"), loader: "css" };
    });
  },
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

await esbuild.build({
  absWorkingDir: here,
  entryPoints: { explorer: "src/main.jsx" },
  outdir: dist,
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "eof",
  sourcemap: false,
  logLevel: "warning",
  plugins: [latinFontsOnly],
});

copyFileSync(join(here, "index.html"), join(dist, "index.html"));

// Refuse to emit anything that would load from another host.
const css = readFileSync(join(dist, "explorer.css"), "utf8");
const html = readFileSync(join(dist, "index.html"), "utf8");
const problems = [];
if (/@import/i.test(css)) problems.push("explorer.css contains @import");
for (const m of css.matchAll(/url\(\s*['"]?([^'")]*)/gi)) {
  if (!m[1].startsWith("data:")) problems.push(`explorer.css has url(${m[1].slice(0, 60)})`);
}
if (/https?:\/\//i.test(html)) problems.push("index.html contains an absolute http(s) URL");
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}

for (const f of ["explorer.js", "explorer.css", "index.html"]) {
  const { size } = statSync(join(dist, f));
  console.log(`dist/${f}\t${(size / 1024).toFixed(1)} KiB`);
}
