// What this subgraph's resolvers return for the GraphQL types that are not a Prisma row.
// codegen.ts maps each type to its model here, so the generated `Resolvers` checks every
// resolver against it and hands it to field resolvers as their parent.
import type { User } from '../../prisma/user/generated/client';
import type { Connection } from '../../shared/pagination';

/** `UserConnection`: one page of users; `totalCount` is counted only when asked for. */
export type UserConnection = Connection<User>;
