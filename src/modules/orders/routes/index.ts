import { joinRoutes } from '../../../platform/http/router.ts';
import { cartRoutes } from './cart.ts';
import { orderRoutes } from './orders.ts';

export const routes = joinRoutes(cartRoutes, orderRoutes);
