/**
 * What the secure IVR says, per language, on either telephony adapter (Chime SMA speaks it with
 * SpeakAndGetDigits, Connect with its flow's prompts). Polly speaks it with the form's language code and
 * voice; a language without its own texts falls back to English. Texts never include digits the caller keyed.
 */
import type { CardField } from '../../shared/card/card-fields';

export interface PromptSet {
  ask: Record<CardField, string>;
  retry: Record<CardField, string>;
  restart: string;
  noInput: string;
  intro: string;
  captured: string;
  hold: string;
  accepted: (reference: string) => string;
  declined: (reference: string) => string;
  /** A request reached the validation service and no reply came: the payment may have been taken. */
  unknown: (reference: string) => string;
  aborted: string;
  /** The agent sent the caller to the secure line without starting a session (Connect). */
  noRequest: string;
  captureFailed: string;
  unavailable: string;
  noAgent: string;
}

const spell = (reference: string): string => reference.split('').join(' ');

const english: PromptSet = {
  intro: 'You are now in a secure payment line. Your agent cannot hear the keys you press.',
  ask: {
    pan: 'Please enter your card number, followed by the hash key.',
    exp: 'Please enter the expiry date as two digits for the month and two digits for the year, followed by the hash key.',
    cvv: 'Please enter the security code from your card, followed by the hash key.',
  },
  retry: {
    pan: 'That card number was not valid.',
    exp: 'That expiry date was not valid.',
    cvv: 'That security code was not valid.',
  },
  restart: 'Starting again.',
  noInput: 'We did not receive your entry.',
  captured: 'Thank you.',
  hold: 'Please hold while we check your card.',
  accepted: (ref) => `Your payment was accepted. Your reference is ${spell(ref)}. Returning you to your agent.`,
  declined: (ref) => `Your payment could not be accepted. Your reference is ${spell(ref)}. Returning you to your agent.`,
  unknown: (ref) =>
    `We could not confirm your payment. Please do not pay again until your agent has checked. Your reference is ${spell(ref)}. Returning you to your agent.`,
  aborted: 'We could not complete your payment. Returning you to your agent.',
  captureFailed: 'We could not take your card details.',
  unavailable: 'Secure payment is not available right now. Returning you to your agent.',
  noRequest: 'Your agent has not started a secure payment yet. Returning you to your agent.',
  noAgent: 'Sorry, no agent is available to take your call. Goodbye.',
};

const spanish: PromptSet = {
  intro: 'Está en una línea de pago segura. Su agente no puede oír las teclas que pulse.',
  ask: {
    pan: 'Introduzca el número de su tarjeta y pulse la tecla almohadilla.',
    exp: 'Introduzca la fecha de caducidad, dos dígitos para el mes y dos para el año, y pulse la tecla almohadilla.',
    cvv: 'Introduzca el código de seguridad de su tarjeta y pulse la tecla almohadilla.',
  },
  retry: { pan: 'El número de tarjeta no es válido.', exp: 'La fecha de caducidad no es válida.', cvv: 'El código de seguridad no es válido.' },
  restart: 'Empezamos de nuevo.',
  noInput: 'No hemos recibido su respuesta.',
  captured: 'Gracias.',
  hold: 'Espere un momento mientras comprobamos su tarjeta.',
  accepted: (ref) => `Su pago ha sido aceptado. Su referencia es ${spell(ref)}. Le devolvemos con su agente.`,
  declined: (ref) => `No hemos podido aceptar su pago. Su referencia es ${spell(ref)}. Le devolvemos con su agente.`,
  unknown: (ref) =>
    `No hemos podido confirmar su pago. No vuelva a pagar hasta que su agente lo compruebe. Su referencia es ${spell(ref)}. Le devolvemos con su agente.`,
  aborted: 'No hemos podido completar su pago. Le devolvemos con su agente.',
  captureFailed: 'No hemos podido tomar los datos de su tarjeta.',
  unavailable: 'El pago seguro no está disponible en este momento. Le devolvemos con su agente.',
  noRequest: 'Su agente aún no ha iniciado un pago seguro. Le devolvemos con su agente.',
  noAgent: 'Lo sentimos, no hay ningún agente disponible. Adiós.',
};

const french: PromptSet = {
  intro: 'Vous êtes sur une ligne de paiement sécurisée. Votre conseiller n’entend pas les touches que vous tapez.',
  ask: {
    pan: 'Veuillez saisir le numéro de votre carte, suivi de la touche dièse.',
    exp: 'Veuillez saisir la date d’expiration, deux chiffres pour le mois et deux pour l’année, suivie de la touche dièse.',
    cvv: 'Veuillez saisir le code de sécurité de votre carte, suivi de la touche dièse.',
  },
  retry: { pan: 'Ce numéro de carte n’est pas valide.', exp: 'Cette date d’expiration n’est pas valide.', cvv: 'Ce code de sécurité n’est pas valide.' },
  restart: 'On recommence.',
  noInput: 'Nous n’avons rien reçu.',
  captured: 'Merci.',
  hold: 'Veuillez patienter pendant que nous vérifions votre carte.',
  accepted: (ref) => `Votre paiement est accepté. Votre référence est ${spell(ref)}. Nous vous remettons en relation avec votre conseiller.`,
  declined: (ref) => `Votre paiement n’a pas pu être accepté. Votre référence est ${spell(ref)}. Nous vous remettons en relation avec votre conseiller.`,
  unknown: (ref) =>
    `Nous n’avons pas pu confirmer votre paiement. Ne payez pas à nouveau avant la vérification de votre conseiller. Votre référence est ${spell(ref)}. Nous vous remettons en relation avec votre conseiller.`,
  aborted: 'Nous n’avons pas pu terminer votre paiement. Nous vous remettons en relation avec votre conseiller.',
  captureFailed: 'Nous n’avons pas pu relever les données de votre carte.',
  unavailable: 'Le paiement sécurisé n’est pas disponible pour le moment. Nous vous remettons en relation avec votre conseiller.',
  noRequest: 'Votre conseiller n’a pas encore lancé de paiement sécurisé. Nous vous remettons en relation avec votre conseiller.',
  noAgent: 'Désolé, aucun conseiller n’est disponible. Au revoir.',
};

const german: PromptSet = {
  intro: 'Sie sind jetzt in einer sicheren Zahlungsleitung. Ihr Berater hört die Tasten nicht, die Sie drücken.',
  ask: {
    pan: 'Bitte geben Sie Ihre Kartennummer ein und drücken Sie die Rautetaste.',
    exp: 'Bitte geben Sie das Ablaufdatum ein, zwei Ziffern für den Monat und zwei für das Jahr, und drücken Sie die Rautetaste.',
    cvv: 'Bitte geben Sie die Prüfnummer Ihrer Karte ein und drücken Sie die Rautetaste.',
  },
  retry: { pan: 'Diese Kartennummer ist ungültig.', exp: 'Dieses Ablaufdatum ist ungültig.', cvv: 'Diese Prüfnummer ist ungültig.' },
  restart: 'Wir beginnen von vorn.',
  noInput: 'Wir haben keine Eingabe erhalten.',
  captured: 'Danke.',
  hold: 'Bitte warten Sie, während wir Ihre Karte prüfen.',
  accepted: (ref) => `Ihre Zahlung wurde angenommen. Ihre Referenz ist ${spell(ref)}. Wir verbinden Sie wieder mit Ihrem Berater.`,
  declined: (ref) => `Ihre Zahlung konnte nicht angenommen werden. Ihre Referenz ist ${spell(ref)}. Wir verbinden Sie wieder mit Ihrem Berater.`,
  unknown: (ref) =>
    `Wir konnten Ihre Zahlung nicht bestätigen. Bitte zahlen Sie nicht erneut, bevor Ihr Berater es geprüft hat. Ihre Referenz ist ${spell(ref)}. Wir verbinden Sie wieder mit Ihrem Berater.`,
  aborted: 'Wir konnten Ihre Zahlung nicht abschließen. Wir verbinden Sie wieder mit Ihrem Berater.',
  captureFailed: 'Wir konnten Ihre Kartendaten nicht aufnehmen.',
  unavailable: 'Die sichere Zahlung ist gerade nicht verfügbar. Wir verbinden Sie wieder mit Ihrem Berater.',
  noRequest: 'Ihr Berater hat noch keine sichere Zahlung gestartet. Wir verbinden Sie wieder mit Ihrem Berater.',
  noAgent: 'Leider ist kein Berater verfügbar. Auf Wiederhören.',
};

const byLanguage: Record<string, PromptSet> = { en: english, es: spanish, fr: french, de: german };

/** The prompt texts for a Polly language code such as en-GB (English when there are none). */
export function promptsFor(languageCode: string): PromptSet {
  return byLanguage[languageCode.slice(0, 2).toLowerCase()] ?? english;
}

/** What the caller hears when the session ends: the outcome and the payment reference (none for an abort). */
export function outcomeText(prompts: PromptSet, outcome: string, reference: string): string {
  switch (outcome) {
    case 'accepted':
      return prompts.accepted(reference);
    case 'declined':
      return prompts.declined(reference);
    case 'unknown':
      return prompts.unknown(reference);
    default:
      return prompts.aborted;
  }
}
