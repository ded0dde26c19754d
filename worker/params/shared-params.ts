/**
 * Parameters the S3 and the image plugins declare alike: one definition each, so the two task types, their templates
 * and the console check them the same way.
 */
import { EMAIL_ADDRESS } from './patterns.js';
import { param } from './spec.js';

/** The dead-letter alarm's address (the original's alarmEmail): `told` says what the address hears about. */
export function alarmEmailParam(told: string) {
  return param({
    name: 'alarmEmail',
    kind: 'email',
    default: '',
    side: 'task',
    origin: 'original',
    description: `Email address told when ${told}; blank: no email.`,
    label: { en: 'Alarm email', zh: '告警邮箱' },
    help: { en: 'Confirm the subscription email AWS sends to it.', zh: '请确认 AWS 发送到该邮箱的订阅邮件。' },
    template: {
      group: 'Notification Information',
      label: 'Alarm Email',
      // CloudFormation checks the same address the engines' parsers do (blank allowed: no alarm e-mail).
      allowedPattern: `^$|${EMAIL_ADDRESS.source}`,
      constraintDescription: 'an email address, or blank',
    },
    cli: false,
  });
}
