"""
    HayekEnKF

Ensemble Kalman filter analysis steps, the Julia twin of
`hayeknet.assimilation.enkf` (the NumPy reference backend). Standard library
only. Same algorithms and argument order as the NumPy functions:

  - `analysis_etkf(ensemble, obs, obs_operator, obs_error_std; inflation, distance, localization_radius)`
  - `analysis_stochastic(ensemble, obs, obs_operator, obs_error_std, perturbations; ...)`
    where `perturbations` is the `p x N` standard-normal array that Python drew
    (an `AbstractRNG` may be passed instead to draw it here).
  - `ar1_forecast(ensemble, draws, phi, sigma)` and `factor_levels(state, loadings)`,
    the forecast step of the price model's factor state (`draws` drawn in Python).
  - `factor_analysis(basis, factors, loadings, obs, obs_index, obs_error_std, basis_taper;
    shared_weight, inflation, perturbations)`, the price model's localized two-stage
    analysis (factors with every price, then each basis given the analysed factors).

The ensemble is `n x N` (columns are members). `obs_operator` is either an
integer index vector (1-based here; the Python wrapper adds 1) or a `p x n`
matrix. Everything is computed in ensemble space: only `N x N` matrices are
factorised. See the Python module docstring for the formulas.
"""
module HayekEnKF

using LinearAlgebra: Symmetric, dot, eigen, pinv, I
using Random: AbstractRNG, randn
using Statistics: mean

export analysis_etkf, analysis_stochastic, ar1_forecast, factor_analysis, factor_levels, gaspari_cohn,
    inflate

"""
    gaspari_cohn(r)

Gaspari-Cohn (1999, eq. 4.10) taper at `r` = distance / half-width: 1 at 0,
0 for `r >= 2`.
"""
function gaspari_cohn(r::Real)
    z = abs(Float64(r))
    if z <= 1.0
        value = (((-0.25 * z + 0.5) * z + 0.625) * z - 5.0 / 3.0) * z^2 + 1.0
    elseif z < 2.0
        value = ((((z / 12.0 - 0.5) * z + 0.625) * z + 5.0 / 3.0) * z - 5.0) * z +
            4.0 -
            2.0 / (3.0 * z)
    else
        value = 0.0
    end
    return clamp(value, 0.0, 1.0)
end

"""
    inflate(ensemble, inflation)

Multiply the anomalies of `ensemble` (`n x N`) by `inflation`; the mean is kept.
"""
function inflate(ensemble::AbstractMatrix{<:Real}, inflation::Real)
    inflation >= 1 || throw(ArgumentError("inflation must be >= 1, got $inflation"))
    x = Matrix{Float64}(ensemble)
    xbar = mean(x; dims = 2)
    return xbar .+ inflation .* (x .- xbar)
end

"""
    ar1_forecast(ensemble, draws, phi, sigma)

One AR(1) step per state row: `phi[i] * x[i, :] + sigma[i] * draws[i, :]`
(`phi = 1`: random walk; `|phi| < 1`: mean reversion to zero). `draws` are the
`n x N` standard normals that Python drew.
"""
function ar1_forecast(
    ensemble::AbstractMatrix{<:Real},
    draws::AbstractMatrix{<:Real},
    phi::AbstractVector{<:Real},
    sigma::AbstractVector{<:Real},
)
    x = Matrix{Float64}(ensemble)
    eta = Matrix{Float64}(draws)
    a = Vector{Float64}(phi)
    s = Vector{Float64}(sigma)
    if size(eta) != size(x)
        throw(DimensionMismatch("draws must be $(size(x)), got $(size(eta))"))
    end
    if length(a) != size(x, 1) || length(s) != size(x, 1)
        throw(DimensionMismatch("phi and sigma need $(size(x, 1)) entries"))
    end
    all(isfinite, a) || throw(ArgumentError("phi must be finite"))
    all(v -> isfinite(v) && v >= 0, s) ||
        throw(ArgumentError("sigma must be finite and >= 0"))
    return a .* x .+ s .* eta
end

"""
    factor_levels(state, loadings)

Levels (`L x N`) of a factor state `[idiosyncratic (L); factors (F)]`:
`state[1:L, :] + loadings * state[L+1:end, :]` for `loadings` (`L x F`).
"""
function factor_levels(state::AbstractMatrix{<:Real}, loadings::AbstractMatrix{<:Real})
    x = Matrix{Float64}(state)
    b = Matrix{Float64}(loadings)
    n_loc, n_factors = size(b)
    if size(x, 1) != n_loc + n_factors
        throw(DimensionMismatch(
            "state must have $(n_loc + n_factors) rows for $n_loc x $n_factors loadings",
        ))
    end
    return x[1:n_loc, :] .+ b * x[(n_loc + 1):end, :]
end

observe(h::AbstractVector{<:Integer}, x::AbstractMatrix{Float64}) = x[h, :]
observe(h::AbstractMatrix{<:Real}, x::AbstractMatrix{Float64}) = Matrix{Float64}(h) * x

n_observed(h::AbstractVector{<:Integer}) = length(h)
n_observed(h::AbstractMatrix{<:Real}) = size(h, 1)

function check_operator(h::AbstractVector{<:Integer}, n_state::Integer)
    if !isempty(h) && (minimum(h) < 1 || maximum(h) > n_state)
        throw(ArgumentError("obs_operator index out of range 1..$n_state"))
    end
    return nothing
end

function check_operator(h::AbstractMatrix{<:Real}, n_state::Integer)
    if size(h, 2) != n_state
        throw(DimensionMismatch(
            "obs_operator matrix has $(size(h, 2)) columns for $n_state state variables",
        ))
    end
    return nothing
end

"""
    validate(ensemble, obs, obs_operator, obs_error_std)

Convert inputs to `Float64` arrays and check shapes and values.
"""
function validate(ensemble, obs, obs_operator, obs_error_std)
    x = Matrix{Float64}(ensemble)
    y = Vector{Float64}(vec(obs))
    n_state, n_members = size(x)
    n_members >= 2 ||
        throw(ArgumentError("ensemble needs at least 2 members, got $n_members"))
    n_obs = length(y)
    if n_observed(obs_operator) != n_obs
        throw(DimensionMismatch(
            "obs_operator maps to $(n_observed(obs_operator)) observations, obs has $n_obs",
        ))
    end
    check_operator(obs_operator, n_state)
    std = obs_error_std isa Real ?
        fill(Float64(obs_error_std), n_obs) :
        Vector{Float64}(vec(obs_error_std))
    if length(std) != n_obs
        throw(DimensionMismatch(
            "obs_error_std has $(length(std)) entries for $n_obs observations",
        ))
    end
    all(s -> isfinite(s) && s > 0, std) ||
        throw(ArgumentError("obs_error_std must be finite and > 0"))
    all(isfinite, x) || throw(ArgumentError("ensemble must be finite"))
    all(isfinite, y) ||
        throw(ArgumentError("obs must be finite (drop missing observations first)"))
    return x, y, std
end

"""
    ensemble_space(x, y, h, std, inflation)

Mean `xbar`, inflated anomalies `A`, scaled observed anomalies
`S = R^{-1/2} H A / sqrt(N-1)` and scaled innovation `delta = R^{-1/2}(y - H xbar)`.
"""
function ensemble_space(
    x::Matrix{Float64},
    y::Vector{Float64},
    h,
    std::Vector{Float64},
    inflation::Real,
)
    inflation >= 1 || throw(ArgumentError("inflation must be >= 1, got $inflation"))
    n_members = size(x, 2)
    xbar = vec(mean(x; dims = 2))
    anomalies = inflation .* (x .- xbar)
    hbar = vec(observe(h, reshape(xbar, :, 1)))
    s = observe(h, anomalies) ./ (std .* sqrt(n_members - 1))
    delta = (y .- hbar) ./ std
    return xbar, anomalies, s, delta
end

"""
    taper_matrix(distance, localization_radius, taper, n_state, n_obs)

Localization weights (`n x p`, in [0, 1]) from a precomputed `taper` or from the
Gaspari-Cohn taper of `distance ./ localization_radius`; `nothing` for a global
analysis.
"""
function taper_matrix(
    distance,
    localization_radius,
    taper,
    n_state::Integer,
    n_obs::Integer,
)
    if taper !== nothing
        if distance !== nothing || localization_radius !== nothing
            throw(ArgumentError(
                "give either taper or distance with localization_radius, not both",
            ))
        end
        rho = Matrix{Float64}(taper)
        if size(rho) != (n_state, n_obs)
            throw(DimensionMismatch(
                "taper must be $n_state x $n_obs, got $(size(rho, 1)) x $(size(rho, 2))",
            ))
        end
        all(v -> 0 <= v <= 1, rho) ||
            throw(ArgumentError("taper values must lie in [0, 1]"))
        return rho
    end
    if distance === nothing && localization_radius === nothing
        return nothing
    end
    if distance === nothing || localization_radius === nothing
        throw(ArgumentError(
            "localization needs both distance (n x p) and localization_radius",
        ))
    end
    localization_radius > 0 || throw(ArgumentError("localization_radius must be > 0"))
    d = Matrix{Float64}(distance)
    if size(d) != (n_state, n_obs)
        throw(DimensionMismatch(
            "distance must be $n_state x $n_obs, got $(size(d, 1)) x $(size(d, 2))",
        ))
    end
    all(v -> isfinite(v) && v >= 0, d) ||
        throw(ArgumentError("distance must be finite and >= 0"))
    return gaspari_cohn.(d ./ localization_radius)
end

"""
    etkf_weights(s, delta)

ETKF weights `W = C^{-1} S' delta 1' / sqrt(N-1) + C^{-1/2}` with `C = I + S' S`
and the symmetric square root. `delta` is a vector (the same innovation for
every member) or a `p x N` matrix (one column per member, `factor_analysis`'s
residuals given each member's factors: `C^{-1} S' D / sqrt(N-1) + C^{-1/2}`).
"""
function etkf_weights(s::AbstractMatrix{Float64}, delta::AbstractVecOrMat{Float64})
    n_members = size(s, 2)
    decomposition = eigen(Symmetric(Matrix{Float64}(I, n_members, n_members) + s' * s))
    values = decomposition.values
    vectors = decomposition.vectors
    w_mean = vectors * ((vectors' * (s' * delta)) ./ values)
    transform = (vectors ./ sqrt.(values)') * vectors'
    return w_mean ./ sqrt(n_members - 1) .+ transform
end

"""
    stochastic_weights(s, innovations)

Stochastic EnKF weights `I + C^{-1} S' D / sqrt(N-1)` for scaled perturbed
innovations `D` (`p x N`).
"""
function stochastic_weights(
    s::AbstractMatrix{Float64},
    innovations::AbstractMatrix{Float64},
)
    n_members = size(s, 2)
    eye = Matrix{Float64}(I, n_members, n_members)
    gain = Symmetric(eye + s' * s) \ (s' * innovations)
    return eye + gain ./ sqrt(n_members - 1)
end

"""
    analysis_etkf(ensemble, obs, obs_operator, obs_error_std; inflation=1.0,
                  distance=nothing, localization_radius=nothing, taper=nothing)

ETKF (symmetric square root) analysis of `ensemble` (`n x N`). With `distance`
(`n x p`) and `localization_radius` (Gaspari-Cohn half-width), or a precomputed
`taper` (`n x p`), a local analysis with R-localization: each state variable
gets its own weights (shared by rows with the same taper); one that sees a
single observation uses the closed form for `C = I + s s'`; one that sees none
keeps its prior, not inflated.
"""
function analysis_etkf(
    ensemble::AbstractMatrix{<:Real},
    obs::AbstractVector{<:Real},
    obs_operator::AbstractVecOrMat{<:Real},
    obs_error_std::Union{Real, AbstractVector{<:Real}};
    inflation::Real = 1.0,
    distance = nothing,
    localization_radius = nothing,
    taper = nothing,
)
    x, y, std = validate(ensemble, obs, obs_operator, obs_error_std)
    xbar, anomalies, s, delta = ensemble_space(x, y, obs_operator, std, inflation)
    rho = taper_matrix(distance, localization_radius, taper, size(x, 1), length(y))
    if rho === nothing
        return xbar .+ anomalies * etkf_weights(s, delta)
    end
    root_nm1 = sqrt(size(x, 2) - 1)
    out = copy(x)  # a row that sees no observation keeps its uninflated prior
    shared = Dict{Vector{Float64}, Matrix{Float64}}()  # rows with one taper share their weights
    for i in axes(x, 1)
        use = findall(>(0.0), view(rho, i, :))
        isempty(use) && continue
        root = sqrt.(rho[i, use])
        a = anomalies[i, :]
        if length(use) == 1
            j = only(use)
            s1 = s[j, :] .* only(root)
            ss = dot(s1, s1)
            a_s = dot(a, s1)
            beta = ss > 0 ? (1 - 1 / sqrt(1 + ss)) / ss : 0.5
            mean_step = a_s * delta[j] * only(root) / ((1 + ss) * root_nm1)
            out[i, :] = xbar[i] .+ mean_step .+ a .- (beta * a_s) .* s1
        else
            weights = get!(shared, rho[i, :]) do
                etkf_weights(s[use, :] .* root, delta[use] .* root)
            end
            out[i, :] = xbar[i] .+ weights' * a
        end
    end
    return out
end

"""
    analysis_stochastic(ensemble, obs, obs_operator, obs_error_std, perturbations;
                        inflation=1.0, distance=nothing, localization_radius=nothing,
                        taper=nothing)

Stochastic (perturbed-observation) EnKF analysis. `perturbations` (`p x N`)
are standard normals, centred over the members here; member `j` assimilates
`obs + obs_error_std .* perturbations[:, j]`. Localization as in
[`analysis_etkf`](@ref).
"""
function analysis_stochastic(
    ensemble::AbstractMatrix{<:Real},
    obs::AbstractVector{<:Real},
    obs_operator::AbstractVecOrMat{<:Real},
    obs_error_std::Union{Real, AbstractVector{<:Real}},
    perturbations::AbstractMatrix{<:Real};
    inflation::Real = 1.0,
    distance = nothing,
    localization_radius = nothing,
    taper = nothing,
)
    x, y, std = validate(ensemble, obs, obs_operator, obs_error_std)
    if size(perturbations) != (length(y), size(x, 2))
        throw(DimensionMismatch(
            "perturbations must be $(length(y)) x $(size(x, 2)), got $(size(perturbations))",
        ))
    end
    e = Matrix{Float64}(perturbations)
    e = e .- mean(e; dims = 2)
    xbar, anomalies, s, delta = ensemble_space(x, y, obs_operator, std, inflation)
    root_nm1 = sqrt(size(x, 2) - 1)
    rho = taper_matrix(distance, localization_radius, taper, size(x, 1), length(y))
    if rho === nothing
        return xbar .+ anomalies * stochastic_weights(s, delta .- root_nm1 .* s .+ e)
    end
    out = copy(x)  # a row that sees no observation keeps its uninflated prior
    shared = Dict{Vector{Float64}, Matrix{Float64}}()  # rows with one taper share their weights
    for i in axes(x, 1)
        use = findall(>(0.0), view(rho, i, :))
        isempty(use) && continue
        root = sqrt.(rho[i, use])
        a = anomalies[i, :]
        innovations = root .* (delta[use] .- root_nm1 .* s[use, :]) .+ e[use, :]
        if length(use) == 1
            s1 = s[only(use), :] .* only(root)
            d1 = innovations[1, :]
            a_s = dot(a, s1)
            out[i, :] = xbar[i] .+ a .+ (a_s / ((1 + dot(s1, s1)) * root_nm1)) .* d1
        else
            weights = get!(shared, rho[i, :]) do
                stochastic_weights(s[use, :] .* root, innovations)
            end
            out[i, :] = xbar[i] .+ weights' * a
        end
    end
    return out
end

function analysis_stochastic(
    ensemble::AbstractMatrix{<:Real},
    obs::AbstractVector{<:Real},
    obs_operator::AbstractVecOrMat{<:Real},
    obs_error_std::Union{Real, AbstractVector{<:Real}},
    rng::AbstractRNG;
    kwargs...,
)
    perturbations = randn(rng, length(obs), size(ensemble, 2))
    return analysis_stochastic(
        ensemble,
        obs,
        obs_operator,
        obs_error_std,
        perturbations;
        kwargs...,
    )
end

"""
    factor_analysis(basis, factors, loadings, obs, obs_index, obs_error_std, basis_taper;
                    shared_weight=nothing, inflation=1.0, perturbations=nothing)

Localized analysis of a factor state (levels `basis + loadings * factors`) in
two stages; returns the analysed `[basis; factors]`. Price `j` observes the
level of location `obs_index[j]` (1-based). Each basis is regressed on the
factors over the members (`A_b = beta A_f + E`); the factors are analysed with
every price (observation operator `loadings[idx, :] + beta[idx, :]`, error
variance `obs_error_std^2 / shared_weight + var(E_j)`); then member `m`'s basis
is `bbar + beta (f^a_m - fbar) + E_m`, and a basis that sees prices
(`basis_taper`, `L x p`) updates `E` with the residuals of its prices given
that member's analysed factors (`perturbations`: the perturbed-observation
EnKF with the same perturbations in both stages). A basis that sees no price
keeps `E`, not inflated. See `hayeknet.assimilation.enkf.factor_analysis`.
"""
function factor_analysis(
    basis::AbstractMatrix{<:Real},
    factors::AbstractMatrix{<:Real},
    loadings::AbstractMatrix{<:Real},
    obs::AbstractVector{<:Real},
    obs_index::AbstractVector{<:Integer},
    obs_error_std::Union{Real, AbstractVector{<:Real}},
    basis_taper::AbstractMatrix{<:Real};
    shared_weight = nothing,
    inflation::Real = 1.0,
    perturbations = nothing,
)
    x, y, std = validate(basis, obs, obs_index, obs_error_std)
    f = Matrix{Float64}(factors)
    loads = Matrix{Float64}(loadings)
    n_loc, n_members = size(x)
    n_obs = length(y)
    if size(f, 2) != n_members
        throw(DimensionMismatch("basis and factors must have the same number of members"))
    end
    if size(loads) != (n_loc, size(f, 1))
        throw(DimensionMismatch("loadings must be $n_loc x $(size(f, 1)), got $(size(loads))"))
    end
    all(isfinite, f) || throw(ArgumentError("factors must be finite"))
    inflation >= 1 || throw(ArgumentError("inflation must be >= 1, got $inflation"))
    rho = taper_matrix(nothing, nothing, basis_taper, n_loc, n_obs)
    weight = shared_weight === nothing ? ones(n_obs) : Vector{Float64}(vec(shared_weight))
    if length(weight) != n_obs || !all(w -> 0 < w <= 1, weight)
        throw(ArgumentError("shared_weight must have $n_obs values in (0, 1]"))
    end
    e = nothing
    if perturbations !== nothing
        if size(perturbations) != (n_obs, n_members)
            throw(DimensionMismatch(
                "perturbations must be $n_obs x $n_members, got $(size(perturbations))",
            ))
        end
        e = Matrix{Float64}(perturbations)
        e = e .- mean(e; dims = 2)
    end
    root_nm1 = sqrt(n_members - 1)
    h = collect(obs_index)
    bbar = vec(mean(x; dims = 2))
    fbar = vec(mean(f; dims = 2))
    a_b = inflation .* (x .- bbar)
    a_f = inflation .* (f .- fbar)
    beta = Matrix{Float64}((pinv(Matrix(a_f')) * Matrix(a_b'))')  # L x F least squares
    residual = a_b .- beta * a_f
    # stage 1: the factors, with the conditional bases as (diagonal) observation error
    residual_var = vec(sum(residual[h, :] .^ 2; dims = 2)) ./ (n_members - 1)
    effective_std = sqrt.(std .^ 2 ./ weight .+ residual_var)
    operator = loads[h, :] .+ beta[h, :]
    shifted = y .- bbar[h] .+ beta[h, :] * fbar
    f_a = if e === nothing
        analysis_etkf(f, shifted, operator, effective_std; inflation = inflation)
    else
        analysis_stochastic(f, shifted, operator, effective_std, e; inflation = inflation)
    end
    # stage 2: each basis given its members' analysed factors
    follow = bbar .+ beta * (f_a .- fbar)
    out = follow .+ residual ./ inflation  # rows without a price keep E, not inflated
    d = (y .- loads[h, :] * f_a .- follow[h, :]) ./ std
    s = residual[h, :] ./ (std .* root_nm1)
    shared = Dict{Vector{Float64}, Matrix{Float64}}()  # rows with one taper share their weights
    for i in 1:n_loc
        use = findall(>(0.0), view(rho, i, :))
        isempty(use) && continue
        root = sqrt.(rho[i, use])
        a = residual[i, :]
        if length(use) == 1
            j = only(use)
            r = only(root)
            s1 = s[j, :] .* r
            ss = dot(s1, s1)
            a_s = dot(a, s1)
            gain = a_s / ((1 + ss) * root_nm1)
            if e === nothing
                shrink = ss > 0 ? (1 - 1 / sqrt(1 + ss)) / ss : 0.5
                out[i, :] = follow[i, :] .+ gain .* (r .* d[j, :]) .+ a .- (shrink * a_s) .* s1
            else
                d1 = r .* (d[j, :] .- root_nm1 .* s[j, :]) .+ e[j, :]
                out[i, :] = follow[i, :] .+ a .+ gain .* d1
            end
        else
            weights = get!(shared, rho[i, :]) do
                s_i = s[use, :] .* root
                if e === nothing
                    etkf_weights(s_i, root .* d[use, :])
                else
                    innovations = root .* (d[use, :] .- root_nm1 .* s[use, :]) .+ e[use, :]
                    stochastic_weights(s_i, innovations)
                end
            end
            out[i, :] = follow[i, :] .+ weights' * a
        end
    end
    return vcat(out, f_a)
end

end # module HayekEnKF
