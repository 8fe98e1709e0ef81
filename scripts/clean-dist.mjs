// `npm run build` starts from an empty dist/ so a module deleted from src/ is not shipped stale.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
