import { Router } from 'express';
import type { AuthService } from '../console/auth-service';
import { requireOperator } from '../console/auth-routes';
import type { PrechatService } from './prechat-service';

/** Admin download of the register of consent texts (every version, its text, and who holds it, counted). */
export function prechatAdminRoutes(deps: { auth: AuthService; prechat: PrechatService }): Router {
  const router = Router();
  router.get('/consent-register.csv', requireOperator(deps.auth, 'admin'), async (_req, res) => {
    const csv = await deps.prechat.registerCsv();
    res.setHeader('Content-Disposition', 'attachment; filename="consent-register.csv"');
    res.type('text/csv').send(csv);
  });
  return router;
}
