/**
 * Word lists for synthetic Belgian persons, most common first: given names
 * (Flemish, francophone and newer names among recent births), surnames (the most
 * frequent in the national register's statistics, Statbel), street names, and real
 * postcodes with their municipality. They only need to look real; frequencies are
 * approximated by `skewed` picks.
 */

// biome-ignore format: a word list reads best as a block
export const MALE_NAMES = [
  "Jan", "Luc", "Marc", "Peter", "Dirk", "Patrick", "Johan", "Bart", "Koen", "Tom",
  "Geert", "Wim", "Kris", "Pieter", "Thomas", "Stijn", "Jeroen", "Joris", "Lucas", "Louis",
  "Noah", "Arthur", "Liam", "Jules", "Victor", "Wout", "Jens", "Willem", "Frans", "Jozef",
  "Karel", "Rik", "Hendrik", "Michel", "Philippe", "Alain", "Pierre", "Benoît", "Maxime",
  "Gilles", "Hugo", "Mathéo", "Nathan", "Adam", "Mohamed", "Youssef", "Ayoub", "Finn",
  "Seppe", "Ward",
] as const;

// biome-ignore format: a word list reads best as a block
export const FEMALE_NAMES = [
  "Maria", "Ann", "Els", "Katrien", "Inge", "Veerle", "Sofie", "Nathalie", "Kathleen",
  "Griet", "An", "Sarah", "Laura", "Julie", "Charlotte", "Emma", "Olivia", "Louise", "Mila",
  "Marie", "Lotte", "Fien", "Nina", "Lore", "Hanne", "Eline", "Anouk", "Lien", "Godelieve",
  "Jeanne", "Rita", "Monique", "Christiane", "Martine", "Isabelle", "Chloé", "Manon",
  "Camille", "Léa", "Alice", "Juliette", "Elena", "Fatima", "Amira", "Yasmine", "Noor",
  "Ines", "Jana", "Febe", "Roos",
] as const;

// biome-ignore format: a word list reads best as a block
export const SURNAMES = [
  "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
  "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Hermans", "Aerts",
  "Michiels", "Vermeulen", "Van Damme", "Desmet", "De Clercq", "Pauwels", "Vandenberghe",
  "Hendrickx", "Segers", "Van den Broeck", "De Backer", "Verstraete", "Lemmens", "Smets",
  "Stevens", "De Vos", "Verhoeven", "Leclercq", "Laurent", "Renard", "Bogaerts", "Coppens",
  "Van de Velde", "Claeys", "Dumont", "Declercq", "Mathieu", "Dewulf", "D'Hondt", "Verbeke",
  "Van Hecke", "Engelen", "Cools", "Geerts", "Wuyts", "Dierckx", "Van Dyck", "Thys", "Vos",
  "Nys", "Baert", "Martens", "Huybrechts", "Cornelis", "Vanderstraeten", "Verlinden",
  "Simon", "El Amrani", "Benali", "Yilmaz", "Nowak", "Van Acker", "De Meyer", "Vercammen",
] as const;

// biome-ignore format: a word list reads best as a block
export const STREETS = [
  "Kerkstraat", "Stationsstraat", "Molenstraat", "Dorpstraat", "Nieuwstraat", "Schoolstraat",
  "Kapelstraat", "Hoogstraat", "Veldstraat", "Beekstraat", "Kasteelstraat", "Kouter",
  "Grote Markt", "Lindenlaan", "Populierenlaan", "Lange Nieuwstraat", "Brugsesteenweg",
  "Gentsesteenweg", "Diestsesteenweg", "Rue de la Station", "Rue de l'Église",
  "Chaussée de Waterloo", "Avenue Louise", "Rue Haute", "Koningin Astridlaan",
] as const;

// biome-ignore format: a word list reads best as a block
const SURNAME_ROOTS = [
  "Berg", "Bosch", "Broeck", "Velde", "Meulen", "Straete", "Hove", "Kerckhove", "Poel", "Wal",
  "Beke", "Linde", "Donck", "Heyde", "Hulst", "Laer", "Mol", "Put", "Steen", "Dycke",
  "Acker", "Eycken", "Loo", "Bruyne", "Wilde", "Smedt", "Cock", "Graeve", "Rycke", "Meyer",
  "Decker", "Backer", "Leeuw", "Vriese", "Baets", "Craene", "Geyter", "Keyser", "Koninck", "Mey",
  "Neve", "Paepe", "Ridder", "Schepper", "Wever", "Winne", "Zutter", "Coster", "Groote", "Hertogh",
  "Jonghe", "Maeyer", "Moor", "Roeck", "Schryver", "Taeye", "Waele", "Fontaine", "Pont", "Bois",
  "Mont", "Champ", "Rocher", "Moulin", "Marais", "Sart", "Thier", "Fosse", "Haye", "Bourg",
] as const;

const SURNAME_PREFIXES = ["", "Van ", "De ", "Van de ", "Van den ", "Ver", "Le ", "Du "] as const;
const SURNAME_SUFFIXES = ["", "s", "e", "ens", "man", "ijns"] as const;

/**
 * Surnames, most common first: the SURNAMES list, then a long tail of composed Flemish
 * and Walloon forms (prefix + root, or root + suffix: 902 more, duplicates of the list dropped). Real surname
 * frequencies have such a tail (the commonest, Peeters, is under 1 % of Belgians); with
 * the short list alone, a million synthetic persons made blocks of thousands of
 * namesakes that no register has.
 */
export const SURNAMES_LONG_TAIL: readonly string[] = unique([
  ...SURNAMES,
  ...SURNAME_ROOTS.flatMap((root) => [
    ...SURNAME_PREFIXES.slice(1).map((prefix) =>
      prefix === "Ver" ? `Ver${root.toLowerCase()}` : `${prefix}${root}`,
    ),
    ...SURNAME_SUFFIXES.map((suffix) => `${root}${suffix}`),
  ]),
]);

/** [postcode, municipality]: real pairs, the larger towns first. */
// biome-ignore format: a word list reads best as a block
export const POSTCODES: readonly (readonly [string, string])[] = [
  ["2000", "Antwerpen"], ["9000", "Gent"], ["1000", "Brussel"], ["6000", "Charleroi"],
  ["4000", "Liège"], ["8000", "Brugge"], ["5000", "Namur"], ["3000", "Leuven"],
  ["2800", "Mechelen"], ["9300", "Aalst"], ["3500", "Hasselt"], ["8500", "Kortrijk"],
  ["8400", "Oostende"], ["7000", "Mons"], ["3600", "Genk"], ["1030", "Schaarbeek"],
  ["1080", "Sint-Jans-Molenbeek"], ["1050", "Elsene"], ["1180", "Ukkel"], ["8800", "Roeselare"],
  ["9100", "Sint-Niklaas"], ["2300", "Turnhout"], ["2100", "Deurne"], ["2140", "Borgerhout"],
  ["7500", "Tournai"], ["1300", "Wavre"], ["4800", "Verviers"], ["1400", "Nivelles"],
  ["9200", "Dendermonde"], ["2500", "Lier"], ["2400", "Mol"], ["3800", "Sint-Truiden"],
  ["3300", "Tienen"], ["3200", "Aarschot"], ["3700", "Tongeren"], ["8900", "Ieper"],
  ["9400", "Ninove"], ["9700", "Oudenaarde"], ["9800", "Deinze"], ["9900", "Eeklo"],
  ["1500", "Halle"], ["1700", "Dilbeek"], ["1800", "Vilvoorde"], ["1930", "Zaventem"],
  ["2900", "Schoten"], ["3900", "Pelt"], ["6700", "Arlon"], ["1200", "Sint-Lambrechts-Woluwe"],
];

/** The region a Belgian postcode lies in (bpost ranges: 1000–1299 Brussels). */
export function regionOf(postcode: string): "flanders" | "wallonia" | "brussels" {
  const p = Number(postcode);
  if (p < 1300) return "brussels";
  if (p < 1500 || (p >= 4000 && p < 8000)) return "wallonia";
  return "flanders";
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
