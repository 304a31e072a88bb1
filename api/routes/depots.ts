// Parts depots: network data every role may read; admins maintain it.
import { Type } from '@sinclair/typebox';
import { DepotSchema, type Depot } from '../../core/registry.ts';
import type { RoutePlugin } from '../context.ts';
import { objectSchema, registerRegistryCrud } from '../registry-crud.ts';

const depotRoutes: RoutePlugin = async (app, ctx) => {
  registerRegistryCrud(app, ctx, {
    kind: 'depot',
    plural: 'depots',
    idParam: 'id',
    idSchema: DepotSchema.properties.id,
    entity: DepotSchema,
    response: objectSchema(DepotSchema, { title: 'Depot' }),
    filters: {
      region: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'Prefecture, or province (XX0000) for all of it' })),
      active: Type.Optional(Type.Boolean()),
      partsCategory: Type.Optional(DepotSchema.properties.partsCategories.items),
    },
    where: (q) => (d: Depot) =>
      (q.region === undefined || d.region === q.region || (String(q.region).endsWith('0000') && d.region.startsWith(String(q.region).slice(0, 2)))) &&
      (q.active === undefined || d.active === q.active) &&
      (q.partsCategory === undefined || d.partsCategories.includes(q.partsCategory as Depot['partsCategories'][number])),
    visibility: async () => ({ visible: () => true, all: true }),
    tag: 'network',
  });
};

export default depotRoutes;
