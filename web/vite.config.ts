/**
 * The console's build (`npm run build:console` → web/dist). Preact instead of React: the
 * same component model at ~4 KB gzipped instead of ~45 KB, which leaves the first load far
 * under its 150 KB budget (README "The console").
 *
 * The served CSP forbids inline script and style (functions/local/console-assets.ts), so
 * the build emits none: no modulepreload polyfill (an inline helper in older browsers'
 * path; every browser we target supports modulepreload), CSS as files linked from
 * index.html, nothing inlined as data: URLs. `base: './'` keeps asset URLs relative, so the
 * same build works at /console/ locally and wherever a deployment puts it.
 */
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  // No dev server is used: no devtools hook or preact/debug in what is served (they would also
  // land in the bundle when the build runs with NODE_ENV=test, as under vitest).
  mode: 'production',
  plugins: [preact({ prerender: { enabled: false }, devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    outDir: 'dist',
    // dist/.vite/manifest.json: which chunks the first load needs (bench/console-size.ts).
    manifest: true,
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 200,
  },
});
