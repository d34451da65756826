import type { App } from '../../server/app';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: unknown;
}

/** Every route of the app's Express router, mounted routers included: "<METHOD> <mount path><route path>", sorted. */
export function appRoutes(app: App): string[] {
  const web = app.web as unknown as { router: { stack: Layer[] } };
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') for (const p of paths) found.push(`${method.toUpperCase()} ${prefix}${p}`);
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
      }
    }
  };
  walk(web.router.stack, '');
  return [...new Set(found)].sort();
}
