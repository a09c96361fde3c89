// The account operations. Every one that starts a session selects the same fields, so a session
// (lib/session.ts) is built the same way from signUp, login and refresh.
import { graphql } from '../generated';

export const SESSION_FIELDS = graphql(`
  fragment SessionFields on AuthPayload {
    accessToken
    accessTokenExpiresAt
    refreshToken
    user {
      id
      name
      email
      role
    }
  }
`);

export const SIGN_UP = graphql(`
  mutation StorefrontSignUp($input: SignUpInput!) {
    signUp(input: $input) {
      ...SessionFields
    }
  }
`);

export const LOG_IN = graphql(`
  mutation StorefrontLogIn($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      ...SessionFields
    }
  }
`);

export const REFRESH = graphql(`
  mutation StorefrontRefresh($refreshToken: String!) {
    refresh(refreshToken: $refreshToken) {
      ...SessionFields
    }
  }
`);

export const LOG_OUT = graphql(`
  mutation StorefrontLogOut($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`);
