import { createRouter } from '../../../platform/http/router.ts';

/** A listing's photos: upload, reorder, choose the primary, describe, delete. */
export const photoRoutes = createRouter();
