// The storefront (web/) in a real browser, end to end: headless Chromium on the built app, served
// by the gateway of a whole stack (four subgraphs, their own databases, the demo data set), every
// page talking to the gateway only. A screenshot of each main page goes to test/browser/screenshots.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { DEMO_ACCOUNTS } from '../../prisma/seed/demo-accounts';
import { buildWebApp } from '../../scripts/web-app';
import { ADMIN, internalIdentity } from '../support/auth';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { ok } from '../support/graphql';
import { scrapeMetric } from '../support/metrics';
import { pollUntil } from '../support/poll';
import { itWithRedis } from '../support/requirements';
import { seedDatabases } from '../support/seed';
import { startStack, type Stack } from '../support/stack';
import { launchChromium, newVisitor, PHONE, screenshot, type Visitor } from './support/browser';
import { addFirstProductToCart, logIn, orderStatusShown, payWith, placeOrderFromCart, submitLogin } from './support/shop';

// A whole stack, a build of the app and a browser: more than the default 30 s.
jest.setTimeout(120_000);

let databases: TestDatabases;
let stack: Stack;
let webDist: string;
let browser: Browser;
let baseUrl: string;
const visitors: Visitor[] = [];

async function visitor(viewport?: typeof PHONE): Promise<Visitor> {
  const opened = await newVisitor(browser, baseUrl, viewport);
  visitors.push(opened);
  return opened;
}

beforeAll(async () => {
  webDist = await mkdtemp(path.join(tmpdir(), 'shop-web-'));
  const [created] = await Promise.all([createTestDatabases(), buildWebApp(webDist)]);
  databases = created;
  await seedDatabases(databases);
  stack = await startStack(databases, { env: { WEB_DIST_DIR: webDist } });
  baseUrl = new URL('/', stack.gatewayUrl).toString();
  browser = await launchChromium();
}, 240_000);

afterEach(async () => {
  const closing = visitors.splice(0);
  const errors = closing.flatMap((opened) => opened.pageErrors);
  await Promise.all(closing.map((opened) => opened.context.close()));
  // An exception thrown in the page is a failure even when the page looked right.
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await databases?.drop();
  if (webDist) await rm(webDist, { recursive: true, force: true });
});

/**
 * Does what changes the catalogue's filters, then waits for the products query it sends to be
 * answered and its results shown (the grid is marked stale from the request until then).
 */
async function filterCatalogue(page: Visitor['page'], change: () => Promise<void>): Promise<void> {
  const answered = page.waitForResponse(
    (response) => response.url().endsWith('/graphql') && (response.request().postData() ?? '').includes('StorefrontProducts'),
  );
  await change();
  await answered;
  await page.locator('.product-grid:not(.stale)').waitFor();
}

/** The text (or label) of the element that has the focus. */
function focused(page: Visitor['page']): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement;
    return (element?.getAttribute('aria-label') ?? element?.textContent ?? '').trim();
  });
}

/** Presses Tab until the focused element's text satisfies `done` (at most 40 times). */
async function tabUntil(page: Visitor['page'], done: (text: string) => boolean): Promise<void> {
  for (let presses = 0; presses < 40 && !done(await focused(page)); presses += 1) await page.keyboard.press('Tab');
  expect(done(await focused(page))).toBe(true);
}

/** The dollars of each price on the page's product cards. */
async function cardPrices(visitorPage: Visitor['page']): Promise<number[]> {
  const texts = await visitorPage.locator('.product-card .price').allTextContents();
  return texts.map((text) => Number(text.replace(/[^0-9.]/g, '')));
}

describe('the catalogue', () => {
  it('should list products by category, price range and stock, a page at a time', async () => {
    const { page } = await visitor();
    await page.goto('/');
    const products = page.getByRole('list', { name: 'Products' }).getByRole('listitem');
    await page.getByText('300 products').waitFor();
    expect(await products.count()).toBe(12);
    // Prices come as minor units and are shown as the locale writes them.
    expect((await page.locator('.product-card .price').first().textContent())!).toMatch(/^\$\d+\.\d{2}$/);
    await screenshot(page, 'catalogue');

    await page.getByRole('button', { name: /Load more/ }).click();
    await products.nth(23).waitFor();
    expect(await products.count()).toBe(24);

    await filterCatalogue(page, () => page.getByRole('button', { name: /^Electronics/ }).click());
    await page.getByRole('heading', { level: 1, name: 'Electronics' }).waitFor();
    await page.getByText('54 products').waitFor();
    const categories = await page.locator('.product-card .product-category').allTextContents();
    expect(new Set(categories)).toEqual(new Set(['Electronics']));

    await filterCatalogue(page, async () => {
      await page.getByLabel('Minimum price').fill('100');
      await page.getByLabel('Minimum price').press('Enter');
    });
    await filterCatalogue(page, async () => {
      await page.getByLabel('Maximum price').fill('200');
      await page.getByLabel('Maximum price').press('Enter');
    });
    expect(page.url()).toMatch(/min=100&max=200/);
    const prices = await cardPrices(page);
    expect(prices.length).toBeGreaterThan(0);
    for (const price of prices) expect(price >= 100 && price <= 200).toBe(true);

    await filterCatalogue(page, () => page.getByLabel('In stock only').check());
    expect(page.url()).toMatch(/stock=1/);
    expect(await page.locator('.product-card .stock-out').count()).toBe(0);
  });

  it('should say so, in words, when a search finds nothing', async () => {
    const { page } = await visitor();
    await page.goto('/');
    await page.getByRole('searchbox', { name: 'Search' }).fill('zebra-quartz-nothing');
    await page.getByRole('heading', { name: 'No products match “zebra-quartz-nothing”.' }).waitFor();
    expect(page.url()).toContain('q=zebra-quartz-nothing');
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.getByText('300 products').waitFor();
  });

  it('should show a product with its stock, and add it to the cart', async () => {
    const { page } = await visitor();
    await page.goto('/?q=Cutting%20Board');
    await page.locator('.product-link').first().click();
    await page.getByText(/\d+ in stock/).waitFor();
    const name = (await page.getByRole('heading', { level: 1 }).textContent())!;
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added 2 to your cart.').waitFor();
    expect(await page.getByRole('link', { name: 'Cart, 2 items' }).count()).toBe(1);
    await screenshot(page, 'product');

    await page.goto('/cart');
    await page.getByRole('link', { name }).waitFor();
    expect(await page.getByLabel(`Quantity of ${name}`).inputValue()).toBe('2');
  });
});

describe('accounts', () => {
  it('should sign a new customer up, showing the coded error of a refused password first', async () => {
    const { page } = await visitor();
    await page.goto('/signup');
    const email = `new.shopper.${Date.now()}@shop.example`;
    await page.getByLabel('Name').fill('Nova Shopper');
    await page.getByLabel('Email').fill(email);
    // Long enough for the form, refused by the user subgraph: the password may not be the email.
    await page.getByLabel('Password').fill(email);
    await page.getByRole('button', { name: 'Create account' }).click();
    const fieldError = page.locator('.field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/password/i);
    expect(await page.locator('body').textContent()).not.toMatch(/extensions|BAD_USER_INPUT|\{"/);

    await page.getByLabel('Password').fill('a-long-enough-password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    expect(await page.locator('.account-name').textContent()).toBe('Nova Shopper');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Log in' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('shop.session'))).toBeNull();
  });

  it('should send a signed-out visitor who orders to log in, then back to the same cart', async () => {
    const { page } = await visitor();
    const product = await addFirstProductToCart(page);
    await page.goto('/cart');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL(/\/login\?next=%2Fcart$/);
    await page.getByText('Log in to continue.').waitFor();
    await screenshot(page, 'login');

    await submitLogin(page, { email: DEMO_ACCOUNTS.customer.email, password: 'not-the-password' });
    await page.getByRole('alert').getByText('Email or password is incorrect.').waitFor();
    await submitLogin(page, DEMO_ACCOUNTS.customer);
    await page.waitForURL(/\/cart$/);
    await page.getByRole('link', { name: product }).waitFor();
  });

  it('should send a signed-out visitor to log in from a page that needs an account, and back', async () => {
    const { page } = await visitor();
    await page.goto('/orders');
    await page.waitForURL(/\/login\?next=%2Forders$/);
    await submitLogin(page, DEMO_ACCOUNTS.customer);
    await page.waitForURL(/\/orders$/);
    // The demo customer's seeded history, from all four subgraphs.
    await page.getByRole('list', { name: 'Orders' }).getByRole('listitem').first().waitFor();
    await screenshot(page, 'orders');
  });

  it('should refresh the access token before it expires, once for all tabs (refresh tokens rotate)', async () => {
    const { context, page } = await visitor();
    await context.clock.install();
    await logIn(page, DEMO_ACCOUNTS.customer);
    const second = await context.newPage();
    await second.goto('/orders');
    await second.getByRole('list', { name: 'Orders' }).waitFor();
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem('shop.session')!) as { refreshToken: string });

    // Both tabs' timers come due together: a second use of the same refresh token would end the
    // session for both, so only one tab may refresh and the other must adopt its result.
    await context.clock.fastForward('14:30');
    const after = await pollUntil(
      () => page.evaluate(() => JSON.parse(localStorage.getItem('shop.session') ?? 'null') as { refreshToken: string } | null),
      (session) => session !== null && session.refreshToken !== before.refreshToken,
    );
    expect(after?.refreshToken).not.toBe(before.refreshToken);

    // Still signed in, in both tabs, and the new token works.
    await second.reload();
    await second.getByRole('list', { name: 'Orders' }).getByRole('listitem').first().waitFor();
    expect(await page.evaluate(() => localStorage.getItem('shop.session'))).not.toBeNull();
    await second.close();
  });
});

describe('ordering', () => {
  it("should update a customer's open order page live: confirmed, paid, then shipped by an administrator", async () => {
    const customer = await visitor();
    await logIn(customer.page, DEMO_ACCOUNTS.customer);
    await addFirstProductToCart(customer.page);
    await placeOrderFromCart(customer.page);
    // A mark a reload would wipe: the page must still hold it at the end.
    await customer.page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await orderStatusShown(customer.page, 'CONFIRMED');
    await customer.page.getByText('Live', { exact: true }).waitFor();

    await payWith(customer.page, /ending 4242/);
    await orderStatusShown(customer.page, 'PAID');
    await customer.page.getByText(/^Payment received: \$[\d.,]+ by card\. Thank you!$/).waitFor();

    const admin = await visitor();
    await logIn(admin.page, DEMO_ACCOUNTS.admin);
    await admin.page.goto('/admin');
    await admin.page.getByLabel('Status').selectOption('PAID');
    const orderId = new URL(customer.page.url()).pathname.split('/').pop()!;
    const row = admin.page.locator(`tr[data-order-id="${orderId}"]`);
    await row.getByRole('button', { name: /^Ship order/ }).click();
    await row.locator('[data-status="SHIPPED"]').waitFor();
    await screenshot(admin.page, 'admin');

    await orderStatusShown(customer.page, 'SHIPPED');
    const timeline = await customer.page.locator('.timeline-entry strong').allTextContents();
    expect(timeline).toEqual(['Reserving stock', 'Awaiting payment', 'Paid', 'Shipped']);
    expect(await customer.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await screenshot(customer.page, 'order');
  });

  it('should show a declined payment and let the customer pay again', async () => {
    const { page } = await visitor();
    await logIn(page, DEMO_ACCOUNTS.customer);
    await addFirstProductToCart(page);
    await placeOrderFromCart(page);
    await orderStatusShown(page, 'CONFIRMED');

    await payWith(page, /ending 0002/);
    await page.getByRole('alert').getByText('The card was declined.').waitFor();
    await orderStatusShown(page, 'PAYMENT_FAILED');
    await screenshot(page, 'payment-declined');

    await payWith(page, /ending 4242/);
    await orderStatusShown(page, 'PAID');
    expect(await page.locator('.timeline-entry strong').allTextContents()).toEqual([
      'Reserving stock',
      'Awaiting payment',
      'Payment failed',
      'Paid',
    ]);
  });

  it('should cancel an order', async () => {
    const { page } = await visitor();
    await logIn(page, DEMO_ACCOUNTS.customer);
    await addFirstProductToCart(page);
    await placeOrderFromCart(page);
    await orderStatusShown(page, 'CONFIRMED');
    await page.getByRole('button', { name: 'Cancel order' }).click();
    await page.getByRole('button', { name: 'Yes, cancel the order' }).click();
    await orderStatusShown(page, 'CANCELLED');
    expect(await page.getByRole('button', { name: /^Pay / }).count()).toBe(0);
  });

  it('should be usable with the keyboard alone: skip the header, search, open a product, add it', async () => {
    const { page } = await visitor();
    await page.goto('/');
    await page.getByText('300 products').waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('search');
    await page.keyboard.type('Cutting Board');
    await page.getByRole('heading', { level: 1, name: 'Results for “Cutting Board”' }).waitFor();

    await tabUntil(page, (text) => /Cutting Board/.test(text));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/products\//);
    await tabUntil(page, (text) => text === 'Add to cart');
    await page.keyboard.press('Enter');
    await page.getByText('Added 1 to your cart.').waitFor();
    expect(await page.getByRole('link', { name: 'Cart, 1 item' }).count()).toBe(1);
  });

  it('should fit a phone screen', async () => {
    const { page } = await visitor(PHONE);
    await page.goto('/');
    await page.getByRole('list', { name: 'Products' }).waitFor();
    // Nothing wider than the screen: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'catalogue-phone');
  });
});

describe('the live connection', () => {
  itWithRedis('should reconnect after the gateway restarts, and catch up with what changed meanwhile', async () => {
    const { page } = await visitor();
    await logIn(page, DEMO_ACCOUNTS.customer);
    await addFirstProductToCart(page);
    const orderId = await placeOrderFromCart(page);
    await orderStatusShown(page, 'CONFIRMED');
    await payWith(page, /ending 4242/);
    await orderStatusShown(page, 'PAID');
    await page.getByText('Live', { exact: true }).waitFor();

    const [gateway] = stack.gateways;
    const port = String(gateway!.port);
    await gateway!.stop();
    await page.getByText('Reconnecting…').waitFor();

    // Shipped while the gateway is down (straight at the order subgraph): no subscriber hears it.
    await ok({ url: stack.subgraphs.order.url, headers: internalIdentity(ADMIN) }, SHIP, { id: orderId, status: 'SHIPPED' });
    const restarted = await stack.start('gateway', { PORT: port, WEB_DIST_DIR: webDist });
    stack.gateways[0] = restarted;

    // Back without a reload: live again, and the change made meanwhile fetched.
    await page.getByText('Live', { exact: true }).waitFor();
    await orderStatusShown(page, 'SHIPPED');

    // And subscribed again: the next change arrives live.
    const subscribed = await pollUntil(
      () => scrapeMetric(restarted.url, 'subscriptions_active'),
      (active) => active >= 1,
    );
    expect(subscribed).toBeGreaterThanOrEqual(1);
    await ok(stack.admin, SHIP, { id: orderId, status: 'DELIVERED' });
    await orderStatusShown(page, 'DELIVERED');
  });
});

const SHIP = `mutation ($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id status } }`;
