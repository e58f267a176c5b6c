//! A schematic map of France by region for report.html: the 13 metropolitan regions as
//! hand-simplified outlines, the five overseas regions as insets.
//!
//! Provenance and licence: these outlines are a hand-drawn schematic, not geographic data.
//! Each region is a polygon of 8 to 24 points placed by hand (longitude, latitude in
//! degrees) from general knowledge of where its borders run, neighbours sharing their
//! points so that no gap shows; the overseas regions are drawn as simple shapes in boxes.
//! They are part of esms-ledger and under its licence (MIT OR Apache-2.0). They are good
//! enough to tell regions apart at a glance, and must not be used to measure anything.
//! Open outlines (IGN ADMIN EXPRESS, Etalab Licence Ouverte 2.0; or the simplified
//! `regions.geojson` of the france-geojson project, derived from it) can replace them:
//! keep the same `RegionCode` keys and credit the source here and in the page.

use crate::core::region::RegionCode;

/// A metropolitan region's outline, points as (longitude, latitude).
pub struct Outline {
    pub code: RegionCode,
    pub points: &'static [(f32, f32)],
}

/// Where a point of the outlines stands in the SVG: an equirectangular projection at the
/// latitude of the country's middle (cos 46.5° ≈ 0.69), 60 px per degree of latitude.
pub fn project(lon: f32, lat: f32) -> (f32, f32) {
    ((lon + 5.4) * 41.3 + 140.0, (51.3 - lat) * 60.0 + 10.0)
}

/// Width and height of the map's SVG.
pub const WIDTH: f32 = 770.0;
pub const HEIGHT: f32 = 630.0;

pub const OUTLINES: &[Outline] = &[
    Outline {
        code: RegionCode::Bretagne,
        points: &[
            (-1.5, 48.63),
            (-2.0, 48.65),
            (-3.0, 48.85),
            (-4.0, 48.7),
            (-4.7, 48.4),
            (-4.4, 48.0),
            (-4.3, 47.8),
            (-3.4, 47.7),
            (-2.8, 47.5),
            (-2.3, 47.3),
            (-1.7, 47.5),
            (-1.2, 47.8),
            (-1.0, 48.2),
            (-1.1, 48.5),
        ],
    },
    Outline {
        code: RegionCode::Normandie,
        points: &[
            (-1.5, 48.63),
            (-1.6, 48.9),
            (-1.9, 49.7),
            (-1.3, 49.7),
            (-1.1, 49.35),
            (-0.2, 49.3),
            (0.2, 49.45),
            (0.5, 49.7),
            (1.4, 50.05),
            (1.7, 49.7),
            (1.75, 49.2),
            (1.6, 49.05),
            (1.5, 48.7),
            (1.0, 48.4),
            (0.8, 48.1),
            (0.3, 48.45),
            (-0.2, 48.5),
            (-0.6, 48.45),
            (-1.1, 48.5),
        ],
    },
    Outline {
        code: RegionCode::HautsDeFrance,
        points: &[
            (1.4, 50.05),
            (1.6, 50.4),
            (1.6, 50.9),
            (2.5, 51.1),
            (3.2, 50.8),
            (4.2, 50.3),
            (4.2, 49.95),
            (4.05, 49.4),
            (3.45, 49.05),
            (3.1, 49.05),
            (2.6, 49.1),
            (1.75, 49.2),
            (1.7, 49.7),
        ],
    },
    Outline {
        code: RegionCode::IleDeFrance,
        points: &[
            (1.75, 49.2),
            (2.6, 49.1),
            (3.1, 49.05),
            (3.45, 49.05),
            (3.4, 48.4),
            (2.9, 48.15),
            (2.3, 48.3),
            (1.6, 48.45),
            (1.5, 48.7),
            (1.6, 49.05),
        ],
    },
    Outline {
        code: RegionCode::GrandEst,
        points: &[
            (4.2, 49.95),
            (4.85, 50.15),
            (5.0, 49.8),
            (5.8, 49.5),
            (6.4, 49.45),
            (7.0, 49.1),
            (8.2, 48.97),
            (7.55, 47.6),
            (7.0, 47.6),
            (6.5, 47.9),
            (5.9, 47.8),
            (5.4, 47.65),
            (4.9, 47.7),
            (4.3, 47.9),
            (3.4, 48.4),
            (3.45, 49.05),
            (4.05, 49.4),
        ],
    },
    Outline {
        code: RegionCode::CentreValDeLoire,
        points: &[
            (1.5, 48.7),
            (1.6, 48.45),
            (2.3, 48.3),
            (2.9, 48.15),
            (3.1, 47.6),
            (2.9, 47.2),
            (2.8, 46.8),
            (2.3, 46.45),
            (1.2, 46.4),
            (0.7, 46.7),
            (0.2, 47.1),
            (0.1, 47.6),
            (0.6, 47.75),
            (0.8, 48.1),
            (1.0, 48.4),
        ],
    },
    Outline {
        code: RegionCode::BourgogneFrancheComte,
        points: &[
            (2.9, 48.15),
            (3.4, 48.4),
            (4.3, 47.9),
            (4.9, 47.7),
            (5.4, 47.65),
            (5.9, 47.8),
            (6.5, 47.9),
            (7.0, 47.6),
            (6.9, 47.35),
            (6.4, 47.0),
            (6.1, 46.6),
            (6.05, 46.4),
            (5.3, 46.3),
            (4.8, 46.2),
            (4.4, 46.3),
            (3.9, 46.5),
            (3.6, 46.6),
            (2.8, 46.8),
            (2.9, 47.2),
            (3.1, 47.6),
        ],
    },
    Outline {
        code: RegionCode::PaysDeLaLoire,
        points: &[
            (-2.3, 47.3),
            (-2.2, 47.05),
            (-2.0, 46.9),
            (-1.8, 46.5),
            (-1.15, 46.3),
            (-0.55, 46.4),
            (-0.1, 47.1),
            (0.2, 47.1),
            (0.1, 47.6),
            (0.6, 47.75),
            (0.8, 48.1),
            (0.3, 48.45),
            (-0.2, 48.5),
            (-0.6, 48.45),
            (-1.1, 48.5),
            (-1.0, 48.2),
            (-1.2, 47.8),
            (-1.7, 47.5),
        ],
    },
    Outline {
        code: RegionCode::NouvelleAquitaine,
        points: &[
            (-1.15, 46.3),
            (-1.2, 45.9),
            (-1.05, 45.6),
            (-1.2, 44.6),
            (-1.45, 43.8),
            (-1.8, 43.35),
            (-1.4, 43.05),
            (-0.3, 42.85),
            (-0.1, 43.4),
            (0.1, 43.8),
            (0.8, 44.1),
            (1.1, 44.6),
            (1.4, 45.0),
            (2.1, 45.0),
            (2.5, 45.4),
            (2.5, 46.0),
            (2.3, 46.45),
            (1.2, 46.4),
            (0.7, 46.7),
            (0.2, 47.1),
            (-0.1, 47.1),
            (-0.55, 46.4),
        ],
    },
    Outline {
        code: RegionCode::Occitanie,
        points: &[
            (-0.3, 42.85),
            (0.7, 42.8),
            (1.7, 42.5),
            (3.15, 42.45),
            (3.05, 43.1),
            (3.5, 43.3),
            (4.1, 43.5),
            (4.7, 43.4),
            (4.65, 44.3),
            (4.0, 44.4),
            (3.3, 44.95),
            (2.2, 44.7),
            (2.1, 45.0),
            (1.4, 45.0),
            (1.1, 44.6),
            (0.8, 44.1),
            (0.1, 43.8),
            (-0.1, 43.4),
        ],
    },
    Outline {
        code: RegionCode::AuvergneRhoneAlpes,
        points: &[
            (2.3, 46.45),
            (2.8, 46.8),
            (3.6, 46.6),
            (3.9, 46.5),
            (4.4, 46.3),
            (4.8, 46.2),
            (5.3, 46.3),
            (6.05, 46.4),
            (6.5, 46.4),
            (6.8, 46.2),
            (6.85, 45.9),
            (7.15, 45.4),
            (7.1, 45.25),
            (6.6, 45.1),
            (5.8, 44.7),
            (5.4, 44.5),
            (4.65, 44.3),
            (4.0, 44.4),
            (3.3, 44.95),
            (2.2, 44.7),
            (2.1, 45.0),
            (2.5, 45.4),
            (2.5, 46.0),
        ],
    },
    Outline {
        code: RegionCode::ProvenceAlpesCoteDAzur,
        points: &[
            (4.65, 44.3),
            (5.4, 44.5),
            (5.8, 44.7),
            (6.6, 45.1),
            (7.1, 45.25),
            (6.7, 44.9),
            (6.95, 44.25),
            (7.7, 43.8),
            (7.0, 43.55),
            (6.6, 43.2),
            (5.9, 43.1),
            (5.3, 43.2),
            (4.7, 43.4),
        ],
    },
    Outline {
        code: RegionCode::Corse,
        points: &[
            (9.4, 43.0),
            (9.55, 42.6),
            (9.4, 41.4),
            (9.2, 41.37),
            (8.6, 41.7),
            (8.6, 42.3),
            (8.7, 42.6),
            (9.1, 42.75),
        ],
    },
];

/// An overseas region drawn in a box of its own: the box's top-left corner in the SVG and
/// a simple shape inside it, in the box's coordinates (a 90 × 70 box).
pub struct Inset {
    pub code: RegionCode,
    pub at: (f32, f32),
    pub points: &'static [(f32, f32)],
}

pub const INSET_SIZE: (f32, f32) = (90.0, 70.0);

pub const INSETS: &[Inset] = &[
    Inset {
        code: RegionCode::Guadeloupe,
        at: (10.0, 10.0),
        // Basse-Terre and Grande-Terre, the butterfly.
        points: &[
            (22.0, 22.0),
            (34.0, 18.0),
            (42.0, 30.0),
            (46.0, 24.0),
            (62.0, 16.0),
            (70.0, 26.0),
            (56.0, 34.0),
            (44.0, 36.0),
            (38.0, 50.0),
            (26.0, 52.0),
            (20.0, 38.0),
        ],
    },
    Inset {
        code: RegionCode::Martinique,
        at: (10.0, 90.0),
        points: &[
            (36.0, 10.0),
            (48.0, 16.0),
            (58.0, 30.0),
            (60.0, 46.0),
            (52.0, 58.0),
            (40.0, 54.0),
            (34.0, 40.0),
            (28.0, 24.0),
        ],
    },
    Inset {
        code: RegionCode::Guyane,
        at: (10.0, 170.0),
        points: &[
            (24.0, 10.0),
            (50.0, 12.0),
            (66.0, 24.0),
            (60.0, 44.0),
            (48.0, 60.0),
            (30.0, 58.0),
            (22.0, 40.0),
        ],
    },
    Inset {
        code: RegionCode::LaReunion,
        at: (10.0, 250.0),
        points: &[
            (30.0, 16.0),
            (50.0, 12.0),
            (64.0, 22.0),
            (66.0, 42.0),
            (54.0, 56.0),
            (34.0, 56.0),
            (22.0, 42.0),
            (22.0, 26.0),
        ],
    },
    Inset {
        code: RegionCode::Mayotte,
        at: (10.0, 330.0),
        points: &[
            (40.0, 12.0),
            (50.0, 18.0),
            (48.0, 32.0),
            (54.0, 44.0),
            (46.0, 58.0),
            (38.0, 50.0),
            (40.0, 36.0),
            (34.0, 24.0),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_is_drawn_once() {
        let mut codes: Vec<&str> = OUTLINES
            .iter()
            .map(|o| o.code.code())
            .chain(INSETS.iter().map(|i| i.code.code()))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 18);
        assert_eq!(OUTLINES.len() + INSETS.len(), 18);
    }

    #[test]
    fn the_outlines_fit_the_map() {
        for o in OUTLINES {
            for &(lon, lat) in o.points {
                let (x, y) = project(lon, lat);
                assert!(
                    (0.0..WIDTH).contains(&x) && (0.0..HEIGHT).contains(&y),
                    "{}",
                    o.code.name()
                );
            }
        }
    }
}
