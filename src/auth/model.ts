import { t } from 'elysia'
import { ErrorBody } from '../http/errors'
import { UserView } from '../users/view'
import { TwoFactorModel } from './two-factor/model'

export const AuthModel = {
  login: t.Object(
    {
      email: t.String({ maxLength: 320, description: 'Matched case-insensitively' }),
      password: t.String({ maxLength: 1024 }),
    },
    { title: 'LoginRequest' },
  ),
  token: t.Object(
    {
      access_token: t.String(),
      token_type: t.Literal('bearer'),
      expires_in: t.Integer({ description: 'Seconds until the access token expires (exp - iat)' }),
      user: UserView,
    },
    { title: 'TokenResponse' },
  ),
  me: t.Object({ user: UserView, two_factor: TwoFactorModel.status }, { title: 'CurrentUser' }),
  message: t.Object({ message: t.String() }, { title: 'Message' }),
  changePassword: t.Object(
    {
      current_password: t.String({ maxLength: 1024 }),
      new_password: t.String({
        maxLength: 1024,
        description: 'At least 12 characters; not a common or easily guessed password, and not containing the email address or name',
      }),
    },
    { title: 'ChangePasswordRequest' },
  ),
  error: ErrorBody,
  empty: t.Void({ description: 'No content' }),
}
