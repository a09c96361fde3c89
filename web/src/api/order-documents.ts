// An order as the order page shows it, fetched by query and carried in full by every status
// change the subscription delivers: one event brings the page entirely up to date.
import { graphql } from '../generated';

export const ORDER_DETAIL = graphql(`
  fragment OrderDetail on Order {
    id
    status
    version
    createdAt
    total {
      amount
      currency
    }
    items {
      id
      productName
      quantity
      unitPrice {
        amount
        currency
      }
      lineTotal {
        amount
        currency
      }
      product {
        id
      }
    }
    payment {
      id
      status
      method
      failureReason
    }
    statusHistory {
      id
      from
      to
      at
      reason
      version
    }
  }
`);

export const ORDER = graphql(`
  query StorefrontOrder($id: ID!) {
    order(id: $id) {
      ...OrderDetail
    }
  }
`);

export const ORDER_UPDATES = graphql(`
  subscription StorefrontOrderUpdates($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) {
      id
      to
      version
      order {
        ...OrderDetail
      }
    }
  }
`);

export const PAY_FOR_ORDER = graphql(`
  mutation StorefrontPayForOrder($orderId: ID!, $idempotencyKey: String!, $paymentToken: String) {
    payForOrder(orderId: $orderId, method: CARD, idempotencyKey: $idempotencyKey, paymentToken: $paymentToken) {
      id
      status
      method
      failureReason
    }
  }
`);

export const CANCEL_ORDER = graphql(`
  mutation StorefrontCancelOrder($orderId: ID!, $reason: String) {
    cancelOrder(id: $orderId, reason: $reason) {
      ...OrderDetail
    }
  }
`);
