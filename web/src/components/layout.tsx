import { useEffect, useRef } from 'react';
import { useApolloClient } from '@apollo/client/react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { auth, useSession } from '../api/auth';
import { cartCount } from '../lib/cart';
import { useCart } from '../state/cart-store';

export function Layout() {
  const session = useSession();
  const count = cartCount(useCart());
  const client = useApolloClient();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(pathname);

  // Moving to another page puts the focus on its heading, as a page load would, so keyboard and
  // screen reader users start reading there instead of at the link they followed.
  useEffect(() => {
    if (shownPath.current === pathname) return;
    shownPath.current = pathname;
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [pathname]);

  const logOut = async () => {
    await auth.signOut();
    // Nothing of the account stays in memory for the next person at this browser.
    await client.clearStore();
    await navigate('/');
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="header-inner">
          <Link to="/" className="brand" aria-label="Federated Shop, home">
            <span className="brand-mark" aria-hidden="true" />
            Federated Shop
          </Link>
          <nav aria-label="Main" className="main-nav">
            <NavLink to="/" end>
              Catalogue
            </NavLink>
            {session && <NavLink to="/orders">Orders</NavLink>}
            {session?.user.role === 'ADMIN' && <NavLink to="/admin">Admin</NavLink>}
            <NavLink to="/cart" className="cart-link" aria-label={`Cart, ${count} ${count === 1 ? 'item' : 'items'}`}>
              Cart
              <span className="cart-count" aria-hidden="true">
                {count}
              </span>
            </NavLink>
          </nav>
          <div className="account">
            {session ? (
              <>
                <span className="account-name" title={session.user.email}>
                  {session.user.name}
                </span>
                <button type="button" className="button button-ghost" onClick={() => void logOut()}>
                  Log out
                </button>
              </>
            ) : (
              <>
                <Link className="button button-ghost" to={`/login?next=${encodeURIComponent(pathname)}`}>
                  Log in
                </Link>
                <Link className="button button-primary" to="/signup">
                  Sign up
                </Link>
              </>
            )}
          </div>
        </div>
      </header>
      <main id="main" ref={main} className="site-main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        Four federated subgraphs behind one Apollo Gateway: every page here is a GraphQL operation on <code>/graphql</code>.
      </footer>
    </>
  );
}
