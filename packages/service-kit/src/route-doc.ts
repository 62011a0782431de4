/**
 * A route's fastify `schema` carrying only its description (what the OpenAPI
 * document shows). FastifySchema types `description` only once @fastify/swagger's
 * type augmentation is loaded, hence the cast.
 */
import type { FastifySchema } from "fastify";

export function routeDoc(description: string, schema: FastifySchema = {}): FastifySchema {
  return { ...schema, description } as FastifySchema;
}
