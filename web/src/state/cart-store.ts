// The cart of this browser, in localStorage so it survives reloads and is the same in every tab.
import { useSyncExternalStore } from 'react';
import { parseCart, type Cart } from '../lib/cart';

const STORAGE_KEY = 'shop.cart';
const listeners = new Set<() => void>();
let cart: Cart = parseCart(window.localStorage.getItem(STORAGE_KEY));

window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY && event.key !== null) return;
  cart = parseCart(window.localStorage.getItem(STORAGE_KEY));
  listeners.forEach((listener) => listener());
});

export function currentCart(): Cart {
  return cart;
}

/** Replaces the cart with what `change` makes of it (a function of lib/cart.ts). */
export function updateCart(change: (cart: Cart) => Cart): void {
  cart = change(cart);
  if (cart.length) window.localStorage.setItem(STORAGE_KEY, JSON.stringify(cart));
  else window.localStorage.removeItem(STORAGE_KEY);
  listeners.forEach((listener) => listener());
}

export function useCart(): Cart {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => cart,
  );
}
