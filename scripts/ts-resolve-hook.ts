// Lets a plain Node script import src/ as it is on disk. src/ writes relative imports as `./x.js` (what
// tsc's NodeNext resolution and ncc expect), but the files are `./x.ts`, and Node's type stripping does not
// map one to the other. Importing this module first registers a resolve hook that does, for relative
// specifiers only, and only when the `.js` file is absent and the `.ts` one exists. Modules imported
// statically alongside it are resolved before it runs: import src/ dynamically after it.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (relative && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
      const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
      if (!existsSync(new URL(specifier, context.parentURL)) && existsSync(ts)) return nextResolve(ts.href, context);
    }
    return nextResolve(specifier, context);
  },
});
