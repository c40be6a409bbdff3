/**
 * One read of the OpenStack API, as the command catalog plans it (src/collectors/catalog.ts) and
 * the API transport sends it (src/transport/openstack-api.ts): a GET to a service's path.
 */
export type ApiService = 'network' | 'load-balancer' | 'compute';

/** One read the API phase may make. */
export type ApiRequest = {readonly service: ApiService; readonly path: string};
