import { joinRoutes } from '../../platform/http/router.ts';
import { checkoutRoutes } from './checkout.ts';
import { orderMoveRoutes } from './order-moves.ts';

export const routes = joinRoutes(checkoutRoutes, orderMoveRoutes);
