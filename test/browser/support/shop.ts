// What a shopper does, in the storefront's own words: the labels and roles a person (or a screen
// reader) finds on the page, so the tests break when the page stops saying what it does.
import type { Page } from 'playwright-core';

export interface Account {
  email: string;
  password: string;
}

/** Fills and sends the sign-in form of the page the browser is on. */
export async function submitLogin(page: Page, { email, password }: Account): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

/** Signs in from the sign-in page and waits until the header shows the account. */
export async function logIn(page: Page, account: Account): Promise<void> {
  await page.goto('/login');
  await submitLogin(page, account);
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** The first product of the catalogue page that can be bought: its name, after adding it to the cart. */
export async function addFirstProductToCart(page: Page): Promise<string> {
  await page.goto('/?stock=1');
  const button = page.getByRole('button', { name: /^Add .+ to cart$/ }).first();
  const label = (await button.getAttribute('aria-label')) ?? '';
  await button.click();
  return label.replace(/^Add (.+) to cart$/, '$1');
}

/** From the cart, places the order; resolves with its id once its page shows it. */
export async function placeOrderFromCart(page: Page): Promise<string> {
  await page.goto('/cart');
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL(/\/orders\/[^/]+$/);
  await page.getByRole('heading', { level: 1, name: /^Order #/ }).waitFor();
  return new URL(page.url()).pathname.split('/').pop()!;
}

/** Waits until the order page's status badge shows `status` (the page's own updates, no reload). */
export async function orderStatusShown(page: Page, status: string): Promise<void> {
  await page.locator(`#order-status [data-status="${status}"]`).waitFor();
}

/** Pays on the order page with one of the fake processor's test cards. */
export async function payWith(page: Page, card: RegExp): Promise<void> {
  await page.getByRole('radio', { name: card }).check();
  await page.getByRole('button', { name: /^Pay / }).click();
}
