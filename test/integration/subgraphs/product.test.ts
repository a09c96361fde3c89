import { randomUUID } from 'node:crypto';
import { customer } from '../../support/auth';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { errorCodes, graphql, ok } from '../../support/graphql';
import { statementCount } from '../../support/metrics';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import { productSubgraph } from '../../../subgraphs/product/server';
import type { Db } from '../../../subgraphs/product/db';

let databases: TestDatabases;
let subgraph: TestSubgraph<Db>;

beforeAll(async () => {
  databases = await createTestDatabases(['product']);
  subgraph = await startTestSubgraph(productSubgraph, databases.product);
});

afterAll(async () => {
  await subgraph?.close();
  await databases?.drop();
});

const UNKNOWN_ID = '01920000-0000-7000-8000-000000000000';

const PRODUCT_FIELDS = 'id sku name description price { amount currency } stock inStock createdAt updatedAt category { id name }';

const CREATE_CATEGORY = /* GraphQL */ `
  mutation ($name: String!) {
    createCategory(name: $name) {
      id
      name
    }
  }
`;

const CREATE_PRODUCT = /* GraphQL */ `
  mutation ($input: CreateProductInput!) {
    createProduct(input: $input) { ${PRODUCT_FIELDS} }
  }
`;

const ADJUST_STOCK = /* GraphQL */ `
  mutation ($id: ID!, $delta: Int!) {
    adjustStock(id: $id, delta: $delta) {
      id
      stock
      inStock
      updatedAt
    }
  }
`;

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

async function createCategory(name = unique('Category')): Promise<{ id: string; name: string }> {
  return (await ok(subgraph.admin, CREATE_CATEGORY, { name })).createCategory;
}

let defaultCategoryId: string | undefined;
async function buildProductInput(overrides: Record<string, unknown> = {}) {
  defaultCategoryId ??= (await createCategory()).id;
  return {
    sku: unique('SKU'),
    name: unique('Product'),
    price: { amount: 1999, currency: 'USD' },
    categoryId: defaultCategoryId,
    stock: 5,
    ...overrides,
  };
}

async function createProduct(overrides: Record<string, unknown> = {}) {
  return (await ok(subgraph.admin, CREATE_PRODUCT, { input: await buildProductInput(overrides) })).createProduct;
}

describe('product subgraph', () => {
  describe('creating', () => {
    it('should create a product with a normalised SKU and the defaults filled in', async () => {
      const category = await createCategory();
      // undefined is left out of the JSON request, so the schema's defaults apply.
      const input = await buildProductInput({ sku: '  tee-blue-m ', categoryId: category.id, stock: undefined });
      const { createProduct: product } = await ok(subgraph.admin, CREATE_PRODUCT, { input });
      expect(product).toMatchObject({
        sku: 'TEE-BLUE-M',
        description: '',
        price: { amount: 1999, currency: 'USD' },
        stock: 0,
        inStock: false,
        category,
      });
      expect(new Date(product.createdAt).getTime()).not.toBeNaN();
    });

    it.each([
      ['sku', { sku: 'ab' }],
      ['sku', { sku: 'has space' }],
      ['sku', { sku: 'X'.repeat(65) }],
      ['name', { name: '   ' }],
      ['price.amount', { price: { amount: -1, currency: 'USD' } }],
      ['price.currency', { price: { amount: 100, currency: 'XYZ' } }],
      ['categoryId', { categoryId: 'not-an-id' }],
      ['stock', { stock: -1 }],
      ['stock', { stock: 1_000_001 }],
    ])('should reject a bad %s (%j) with BAD_USER_INPUT naming it', async (field, overrides) => {
      const response = await graphql(subgraph.admin, CREATE_PRODUCT, { input: await buildProductInput(overrides) });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.extensions?.field).toBe(field);
    });

    it('should reject a duplicate SKU, whatever its case, with CONFLICT and write nothing', async () => {
      const first = await createProduct({ sku: 'TWIN-1' });
      const response = await graphql(subgraph.admin, CREATE_PRODUCT, { input: await buildProductInput({ sku: 'twin-1' }) });
      expect(errorCodes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0]?.extensions?.field).toBe('sku');
      expect(await subgraph.db.product.findMany({ where: { sku: 'TWIN-1' }, select: { id: true } })).toEqual([{ id: first.id }]);
    });

    it('should reject an unknown category with NOT_FOUND and write nothing', async () => {
      const sku = unique('ORPHAN');
      const response = await graphql(subgraph.admin, CREATE_PRODUCT, {
        input: await buildProductInput({ sku, categoryId: UNKNOWN_ID }),
      });
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
      expect(response.errors?.[0]?.extensions).toMatchObject({ type: 'Category', id: UNKNOWN_ID });
      expect(await subgraph.db.product.count({ where: { sku: sku.toUpperCase() } })).toBe(0);
    });

    it('should reject a duplicate category name with CONFLICT', async () => {
      const { name } = await createCategory();
      const response = await graphql(subgraph.admin, CREATE_CATEGORY, { name: ` ${name} ` });
      expect(errorCodes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0]?.extensions?.field).toBe('name');
      expect(await subgraph.db.category.count({ where: { name } })).toBe(1);
    });
  });

  describe('reading one', () => {
    it('should find a product by SKU whatever its case, and answer NOT_FOUND or BAD_USER_INPUT otherwise', async () => {
      const { id } = await createProduct({ sku: 'MUG-RED' });
      const query = `query ($sku: String!) { productBySku(sku: $sku) { id } }`;
      expect((await ok(subgraph.url, query, { sku: ' mug-red' })).productBySku).toEqual({ id });
      expect(errorCodes(await graphql(subgraph.url, query, { sku: 'MUG-NONE' }))).toEqual(['NOT_FOUND']);
      expect(errorCodes(await graphql(subgraph.url, query, { sku: '%' }))).toEqual(['BAD_USER_INPUT']);
    });

    it.each(['product', 'category'])(
      'should answer %s(id:) with NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one',
      async (field) => {
        const query = `query ($id: ID!) { ${field}(id: $id) { id } }`;
        expect(errorCodes(await graphql(subgraph.url, query, { id: UNKNOWN_ID }))).toEqual(['NOT_FOUND']);
        expect(errorCodes(await graphql(subgraph.url, query, { id: "1' OR '1'='1" }))).toEqual(['BAD_USER_INPUT']);
      },
    );
  });

  describe('updating and deleting', () => {
    const UPDATE = `mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { ${PRODUCT_FIELDS} } }`;

    it('should update only the fields given', async () => {
      const product = await createProduct({ description: 'Keeps me' });
      const other = await createCategory();
      const { updateProduct } = await ok(subgraph.admin, UPDATE, {
        id: product.id,
        input: { name: 'Renamed', price: { amount: 2500, currency: 'eur' }, categoryId: other.id, description: null },
      });
      expect(updateProduct).toEqual({
        ...product,
        name: 'Renamed',
        price: { amount: 2500, currency: 'EUR' },
        category: other,
        updatedAt: expect.any(String),
      });
      expect(new Date(updateProduct.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(product.updatedAt).getTime());
    });

    it('should reject a taken SKU with CONFLICT and an unknown category or product with NOT_FOUND', async () => {
      const taken = await createProduct();
      const product = await createProduct();
      const takenSku = await graphql(subgraph.admin, UPDATE, { id: product.id, input: { sku: taken.sku.toLowerCase() } });
      expect(errorCodes(takenSku)).toEqual(['CONFLICT']);
      const noCategory = await graphql(subgraph.admin, UPDATE, { id: product.id, input: { categoryId: UNKNOWN_ID } });
      expect(errorCodes(noCategory)).toEqual(['NOT_FOUND']);
      expect(noCategory.errors?.[0]?.extensions?.type).toBe('Category');
      const noProduct = await graphql(subgraph.admin, UPDATE, { id: UNKNOWN_ID, input: { name: 'Ghost' } });
      expect(errorCodes(noProduct)).toEqual(['NOT_FOUND']);
      expect(noProduct.errors?.[0]?.extensions?.type).toBe('Product');
      const unchanged = await subgraph.db.product.findUniqueOrThrow({ where: { id: product.id } });
      expect(unchanged).toMatchObject({ sku: product.sku, categoryId: product.category.id });
    });

    it('should delete a product, after which it is NOT_FOUND', async () => {
      const { id } = await createProduct();
      const DELETE = `mutation ($id: ID!) { deleteProduct(id: $id) { id } }`;
      expect((await ok(subgraph.admin, DELETE, { id })).deleteProduct).toEqual({ id });
      expect(errorCodes(await graphql(subgraph.admin, DELETE, { id }))).toEqual(['NOT_FOUND']);
      expect(
        errorCodes(
          await graphql(
            subgraph.url,
            `
              query ($id: ID!) {
                product(id: $id) {
                  id
                }
              }
            `,
            { id },
          ),
        ),
      ).toEqual(['NOT_FOUND']);
    });
  });

  describe('listing', () => {
    const LIST = `query ($filter: ProductFilter, $first: Int, $after: String) {
      products(filter: $filter, first: $first, after: $after) {
        totalCount edges { cursor node { sku } } pageInfo { hasNextPage endCursor }
      }
    }`;

    async function listSkus(filter: Record<string, unknown>): Promise<string[]> {
      const { products } = await ok(subgraph.url, LIST, { filter, first: 100 });
      expect(products.totalCount).toBe(products.edges.length);
      return products.edges.map((edge: { node: { sku: string } }) => edge.node.sku);
    }

    it('should filter by category, text, price range and stock, combining them', async () => {
      const { id: categoryId } = await createCategory();
      const input = (sku: string, overrides: Record<string, unknown>) => ({ sku, categoryId, ...overrides });
      await createProduct(input('F-LAMP', { name: 'Desk Lamp', price: { amount: 3000, currency: 'USD' }, stock: 0 }));
      await createProduct(
        input('F-CHAIR', { name: 'Chair', description: 'Goes with the desk', price: { amount: 9000, currency: 'USD' } }),
      );
      await createProduct(input('F-DESK-1', { name: 'Table', price: { amount: 15000, currency: 'USD' } }));
      await createProduct(input('F-RUG', { name: 'Rug, 100% wool', price: { amount: 500, currency: 'USD' } }));

      expect(await listSkus({ categoryId })).toEqual(['F-LAMP', 'F-CHAIR', 'F-DESK-1', 'F-RUG']);
      expect(await listSkus({ categoryId, search: '  DESK ' })).toEqual(['F-LAMP', 'F-CHAIR', 'F-DESK-1']);
      expect(await listSkus({ categoryId, minPrice: 3000, maxPrice: 9000 })).toEqual(['F-LAMP', 'F-CHAIR']);
      expect(await listSkus({ categoryId, inStock: false })).toEqual(['F-LAMP']);
      expect(await listSkus({ categoryId, inStock: true, search: 'desk', minPrice: 10000 })).toEqual(['F-DESK-1']);
      // LIKE wildcards in the text are matched literally.
      expect(await listSkus({ categoryId, search: '%' })).toEqual(['F-RUG']);
      expect(await listSkus({ categoryId, search: '' })).toHaveLength(4);
    });

    it.each([
      ['minPrice', { minPrice: 500, maxPrice: 100 }],
      ['minPrice', { minPrice: -1 }],
      ['search', { search: 'x'.repeat(101) }],
      ['categoryId', { categoryId: 'garbage' }],
    ])('should reject a bad filter on %s (%j) with BAD_USER_INPUT naming it', async (field, filter) => {
      const response = await graphql(subgraph.url, LIST, { filter });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.extensions?.field).toBe(field);
    });

    it('should page through a filtered list without gaps or repeats, even when the cursor row is deleted', async () => {
      const { id: categoryId } = await createCategory();
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1) created.push((await createProduct({ categoryId })).sku);

      const seen: string[] = [];
      let after: string | null = null;
      do {
        // any: a page's shape is checked by the assertions below.
        const { products }: { products: any } = await ok(subgraph.url, LIST, { filter: { categoryId }, first: 2, after });
        expect(products.totalCount).toBe(5);
        seen.push(...products.edges.map((edge: { node: { sku: string } }) => edge.node.sku));
        after = products.pageInfo.hasNextPage ? products.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toEqual(created);

      const firstPage = (await ok(subgraph.url, LIST, { filter: { categoryId }, first: 2 })).products;
      await subgraph.db.product.delete({ where: { sku: created[1] } });
      const next = (await ok(subgraph.url, LIST, { filter: { categoryId }, first: 2, after: firstPage.pageInfo.endCursor }))
        .products;
      expect(next.edges.map((edge: { node: { sku: string } }) => edge.node.sku)).toEqual(created.slice(2, 4));
    });

    it('should reject a page size over the maximum and a forged cursor', async () => {
      expect(
        errorCodes(
          await graphql(
            subgraph.url,
            `
              {
                products(first: 101) {
                  totalCount
                }
              }
            `,
          ),
        ),
      ).toEqual(['BAD_USER_INPUT']);
      expect(
        errorCodes(
          await graphql(
            subgraph.url,
            `
              {
                products(after: "garbage") {
                  totalCount
                }
              }
            `,
          ),
        ),
      ).toEqual(['BAD_USER_INPUT']);
    });

    it('should list categories by name with their product count and first products by id', async () => {
      // Created out of alphabetical order, so sorting by id would fail.
      const zebra = await createCategory(unique('Zebra'));
      const aardvark = await createCategory(unique('Aardvark'));
      const mole = await createCategory(unique('Mole'));
      const skus: string[] = [];
      for (let i = 0; i < 3; i += 1) skus.push((await createProduct({ categoryId: zebra.id })).sku);

      const { categories } = await ok(
        subgraph.url,
        `{ categories { id name productCount products(first: 2) { sku } all: products { sku } } }`,
      );
      const position = (id: string) => categories.findIndex((category: { id: string }) => category.id === id);
      expect(position(aardvark.id)).toBeGreaterThanOrEqual(0);
      expect(position(mole.id)).toBeGreaterThan(position(aardvark.id));
      expect(position(zebra.id)).toBeGreaterThan(position(mole.id));
      expect(categories.find((c: { id: string }) => c.id === zebra.id)).toEqual({
        ...zebra,
        productCount: 3,
        products: skus.slice(0, 2).map((sku) => ({ sku })),
        all: skus.map((sku) => ({ sku })),
      });
      expect(categories.find((c: { id: string }) => c.id === aardvark.id)).toMatchObject({ productCount: 0, products: [] });
    });

    it('should reject Category.products with more than 100 products asked for', async () => {
      await createCategory();
      const response = await graphql(
        subgraph.url,
        `
          {
            categories {
              products(first: 101) {
                id
              }
            }
          }
        `,
      );
      expect(errorCodes(response)[0]).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.field).toBe('first');
    });
  });

  describe('adjusting stock', () => {
    it('should add and remove stock, and say when a product sells out', async () => {
      const { id } = await createProduct({ stock: 2 });
      expect((await ok(subgraph.admin, ADJUST_STOCK, { id, delta: 3 })).adjustStock).toMatchObject({ stock: 5, inStock: true });
      expect((await ok(subgraph.admin, ADJUST_STOCK, { id, delta: -5 })).adjustStock).toMatchObject({ stock: 0, inStock: false });
    });

    it('should refuse to go below zero with CONFLICT and the stock available', async () => {
      const { id } = await createProduct({ stock: 3 });
      const response = await graphql(subgraph.admin, ADJUST_STOCK, { id, delta: -4 });
      expect(errorCodes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0]?.extensions?.available).toBe(3);
      expect((await subgraph.db.product.findUniqueOrThrow({ where: { id } })).stock).toBe(3);
    });

    it('should refuse to go above the maximum stock with CONFLICT', async () => {
      const { id } = await createProduct({ stock: 999_999 });
      expect(errorCodes(await graphql(subgraph.admin, ADJUST_STOCK, { id, delta: 2 }))).toEqual(['CONFLICT']);
      expect((await ok(subgraph.admin, ADJUST_STOCK, { id, delta: 1 })).adjustStock.stock).toBe(1_000_000);
    });

    it('should reject a zero delta with BAD_USER_INPUT and an unknown product with NOT_FOUND', async () => {
      const { id } = await createProduct();
      const zero = await graphql(subgraph.admin, ADJUST_STOCK, { id, delta: 0 });
      expect(errorCodes(zero)).toEqual(['BAD_USER_INPUT']);
      expect(zero.errors?.[0]?.extensions?.field).toBe('delta');
      expect(errorCodes(await graphql(subgraph.admin, ADJUST_STOCK, { id: UNKNOWN_ID, delta: -1 }))).toEqual(['NOT_FOUND']);
    });

    it('should sell exactly the stock there is when 20 buyers race for 10 units', async () => {
      const { id } = await createProduct({ stock: 10 });
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => graphql(subgraph.admin, ADJUST_STOCK, { id, delta: -1 })),
      );
      const codes = responses.map((response) => errorCodes(response)[0] ?? 'OK');
      expect(codes.filter((code) => code === 'OK')).toHaveLength(10);
      expect(codes.filter((code) => code === 'CONFLICT')).toHaveLength(10);
      const stocks = responses.flatMap((response) => (response.data ? [response.data.adjustStock.stock] : []));
      expect(stocks.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect((await subgraph.db.product.findUniqueOrThrow({ where: { id } })).stock).toBe(0);
    });
  });

  describe('federation', () => {
    const ENTITIES = /* GraphQL */ `
      query ($r: [_Any!]!) {
        _entities(representations: $r) {
          ... on Product {
            id
            sku
            price {
              amount
            }
            category {
              id
              name
              productCount
              products(first: 3) {
                id
                category {
                  name
                }
              }
            }
          }
          ... on Category {
            id
            name
            productCount
          }
        }
      }
    `;

    it('should resolve product and category references, and unknown ones to null', async () => {
      const category = await createCategory();
      const product = await createProduct({ categoryId: category.id });
      const { _entities } = await ok(subgraph.url, ENTITIES, {
        r: [
          { __typename: 'Product', id: product.id },
          { __typename: 'Category', id: category.id },
          { __typename: 'Product', id: UNKNOWN_ID },
          { __typename: 'Category', id: 'not-a-uuid' },
        ],
      });
      expect(_entities).toEqual([
        {
          id: product.id,
          sku: product.sku,
          price: { amount: 1999 },
          category: { ...category, productCount: 1, products: [{ id: product.id, category: { name: category.name } }] },
        },
        { id: category.id, name: category.name, productCount: 1 },
        null,
        null,
      ]);
    });

    it('should resolve 40 products with nested relations in as many statements as 5', async () => {
      const categoryIds: string[] = [];
      for (let i = 0; i < 8; i += 1) categoryIds.push((await createCategory()).id);
      const seeded = await subgraph.db.product.createManyAndReturn({
        data: Array.from({ length: 40 }, (_, i) => ({
          sku: unique('BATCH'),
          name: `Batch ${i}`,
          priceAmount: 100 + i,
          priceCurrency: 'USD',
          categoryId: categoryIds[i % categoryIds.length]!,
          stock: i,
        })),
        select: { id: true },
      });

      async function statementsFor(count: number): Promise<number> {
        const representations = seeded.slice(0, count).map(({ id }) => ({ __typename: 'Product', id }));
        const before = await statementCount(subgraph.url);
        const { _entities } = await ok(subgraph.url, ENTITIES, { r: representations });
        expect(_entities.filter(Boolean)).toHaveLength(count);
        return (await statementCount(subgraph.url)) - before;
      }

      const few = await statementsFor(5);
      const many = await statementsFor(40);
      expect(few).toBeGreaterThan(0);
      expect(many).toBe(few);
    });
  });

  describe('authorization', () => {
    const shopper = customer(randomUUID());

    it('should let anonymous callers and customers browse products and categories', async () => {
      const category = await createCategory();
      const product = await createProduct({ categoryId: category.id });
      const BROWSE = `query ($id: ID!, $sku: String!, $categoryId: ID!) {
        product(id: $id) { id }
        productBySku(sku: $sku) { id }
        products(filter: { categoryId: $categoryId }) { totalCount edges { node { id } } }
        category(id: $categoryId) { id productCount }
        categories { id }
      }`;
      const variables = { id: product.id, sku: product.sku, categoryId: category.id };
      for (const caller of [subgraph.url, subgraph.as(shopper)]) {
        const data = await ok(caller, BROWSE, variables);
        expect(data).toMatchObject({
          product: { id: product.id },
          productBySku: { id: product.id },
          products: { totalCount: 1, edges: [{ node: { id: product.id } }] },
          category: { id: category.id, productCount: 1 },
        });
        expect(data.categories).toContainEqual({ id: category.id });
      }
      const { _entities } = await ok(
        subgraph.url,
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id } ... on Category { id } } }`,
        {
          r: [
            { __typename: 'Product', id: product.id },
            { __typename: 'Category', id: category.id },
          ],
        },
      );
      expect(_entities).toEqual([{ id: product.id }, { id: category.id }]);
    });

    // Each mutation, with what it needs; every one is for administrators only.
    const mutations: [string, () => Promise<{ query: string; variables: Record<string, unknown> }>][] = [
      ['createCategory', async () => ({ query: CREATE_CATEGORY, variables: { name: unique('Forbidden') } })],
      ['createProduct', async () => ({ query: CREATE_PRODUCT, variables: { input: await buildProductInput() } })],
      [
        'updateProduct',
        async () => ({
          query: `mutation ($id: ID!) { updateProduct(id: $id, input: { name: "Hijacked" }) { id } }`,
          variables: { id: (await createProduct()).id },
        }),
      ],
      [
        'deleteProduct',
        async () => ({
          query: `mutation ($id: ID!) { deleteProduct(id: $id) { id } }`,
          variables: { id: (await createProduct()).id },
        }),
      ],
      ['adjustStock', async () => ({ query: ADJUST_STOCK, variables: { id: (await createProduct()).id, delta: -1 } })],
    ];

    /** Every row of the catalogue, to show that a refused mutation changed nothing. */
    const catalogue = async () => ({
      categories: await subgraph.db.category.findMany({ orderBy: { id: 'asc' } }),
      products: await subgraph.db.product.findMany({ orderBy: { id: 'asc' } }),
    });

    it.each(mutations)('should refuse %s to anonymous callers with UNAUTHENTICATED, changing nothing', async (_, build) => {
      const { query, variables } = await build();
      const before = await catalogue();
      const response = await graphql(subgraph.url, query, variables);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(await catalogue()).toEqual(before);
    });

    it.each(mutations)('should refuse %s to customers with FORBIDDEN, changing nothing', async (_, build) => {
      const { query, variables } = await build();
      const before = await catalogue();
      const response = await graphql(subgraph.as(shopper), query, variables);
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(await catalogue()).toEqual(before);
    });

    it.each(mutations)('should let administrators run %s', async (_, build) => {
      const { query, variables } = await build();
      const response = await graphql(subgraph.admin, query, variables);
      expect(response.errors).toBeUndefined();
    });
  });
});
