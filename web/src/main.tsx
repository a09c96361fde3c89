// The storefront: a single-page app on the supergraph, every page a GraphQL operation sent to the
// gateway's /graphql on this page's own origin (served by the gateway itself, or proxied to it by
// Vite's dev server).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApolloProvider } from '@apollo/client/react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { client } from './api/client';
import { RequireAdmin, RequireAuth } from './components/guards';
import { Layout } from './components/layout';
import { AdminPage } from './pages/admin-page';
import { LoginPage, SignUpPage } from './pages/auth-pages';
import { CartPage } from './pages/cart-page';
import { CataloguePage } from './pages/catalogue-page';
import { NotFoundPage } from './pages/not-found-page';
import { OrderPage } from './pages/order-page';
import { OrdersPage } from './pages/orders-page';
import { ProductPage } from './pages/product-page';
import './styles.css';

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <CataloguePage /> },
      { path: '/products/:id', element: <ProductPage /> },
      { path: '/cart', element: <CartPage /> },
      { path: '/login', element: <LoginPage /> },
      { path: '/signup', element: <SignUpPage /> },
      {
        path: '/orders',
        element: (
          <RequireAuth>
            <OrdersPage />
          </RequireAuth>
        ),
      },
      {
        path: '/orders/:id',
        element: (
          <RequireAuth>
            <OrderPage />
          </RequireAuth>
        ),
      },
      {
        path: '/admin',
        element: (
          <RequireAdmin>
            <AdminPage />
          </RequireAdmin>
        ),
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <RouterProvider router={router} />
    </ApolloProvider>
  </StrictMode>,
);
